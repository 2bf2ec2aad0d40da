//! Containers that carry certificates and keys: PKCS#7 (.p7b), JKS and PKCS#12, and the
//! detection of what a file holds. Pure: bytes in, bytes out.
