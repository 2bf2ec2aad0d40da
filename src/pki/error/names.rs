//! Errors of subjects and SANs: which attribute, at which character, and why.

use der::asn1::ObjectIdentifier;

use super::Error;
use crate::pki::name::StringKind;
use crate::pki::oids;

/// A subject or SAN could not be parsed or encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// An attribute's OID could not be DER-encoded.
    #[error("encoding attribute {oid}: {detail}")]
    AttributeEncoding {
        /// The attribute type.
        oid: ObjectIdentifier,
        /// The encoder's message.
        detail: String,
    },
    /// An attribute with an empty value (RFC 5280 Appendix A: the value types have SIZE (1..)).
    #[error("attribute {oid} has an empty value")]
    EmptyValue {
        /// The attribute type.
        oid: ObjectIdentifier,
    },
    /// An RDN without attributes (X.501: a RelativeDistinguishedName is SET SIZE (1..MAX)).
    #[error("an RDN needs at least one attribute")]
    EmptyRdn,
    /// Text that must be ASCII (an IA5String) is not.
    #[error("'{text}' is not ASCII")]
    NotAscii {
        /// The text.
        text: String,
    },
    /// The same attribute and value twice in one RDN (a DER SET OF cannot hold duplicates).
    #[error("an RDN repeats the same attribute and value")]
    RepeatedAttribute,
    /// A SAN that does not parse.
    #[error("SAN '{text}': {problem}")]
    San {
        /// The SAN as given (or its DNS part).
        text: String,
        /// What is wrong with it.
        problem: SanProblem,
    },
    /// A slash-form subject that does not parse.
    #[error("subject '{}': {problem} (at character {position})", text.escape_debug())]
    Subject {
        /// The subject as given.
        text: String,
        /// Where the problem is, in characters from 1.
        position: usize,
        /// What is wrong with it.
        problem: SubjectProblem,
    },
    /// A parsed subject that cannot be made into a Name.
    #[error("subject '{}': {inner}", text.escape_debug())]
    SubjectName {
        /// The subject as given.
        text: String,
        /// Why the Name could not be built.
        inner: Box<Error>,
    },
    /// A value with a control or bidirectional-formatting character (terminal escapes, text
    /// that displays differently from what is compared).
    #[error("value '{}' of {oid} contains the character U+{code:04X} (a control or bidi character)", value.escape_debug())]
    UnsafeCharacter {
        /// The value.
        value: String,
        /// The attribute type.
        oid: String,
        /// The character's code point.
        code: u32,
    },
    /// A value over its attribute's upper bound (RFC 5280 Appendix A, e.g. ub-common-name 64).
    #[error("value of {oid} has {actual} characters, more than the {max} RFC 5280 allows")]
    ValueTooLong {
        /// The attribute type.
        oid: String,
        /// The bound.
        max: usize,
        /// The value's length in characters.
        actual: usize,
    },
    /// A value outside its string type's alphabet (X.680 §41).
    #[error("value '{}' of {oid} cannot be written as {kind:?}String", value.escape_debug())]
    Unwritable {
        /// The value.
        value: String,
        /// The attribute type.
        oid: ObjectIdentifier,
        /// The string type it was to be written as.
        kind: StringKind,
    },
}

/// What is wrong with a SAN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SanProblem {
    /// A character outside the DNS preferred name syntax (RFC 1034 §3.5).
    #[error(
        "only letters, digits, '-', '_' and a leading '*.' are allowed (use ip: or uri: for other kinds)"
    )]
    BadCharacter,
    /// An empty name.
    #[error("empty name")]
    Empty,
    /// A label starting or ending with '-' (RFC 1034 §3.5).
    #[error("a label cannot start or end with '-'")]
    HyphenAtLabelEdge,
    /// An empty label or one over 63 characters (RFC 1035 §2.3.4).
    #[error("each dot-separated label needs 1 to 63 characters")]
    LabelLength,
    /// `email:` without a usable address.
    #[error("not an email address")]
    NotEmail,
    /// `ip:` with something that is not an address.
    #[error("'{value}' is not an IP address")]
    NotIp {
        /// The text after `ip:`.
        value: String,
    },
    /// A DNS name over 253 characters (RFC 1035 §2.3.4).
    #[error("longer than 253 characters")]
    TooLong,
    /// A control or bidi character in an email or URI SAN.
    #[error("contains the character U+{code:04X} (a control or bidi character)")]
    UnsafeCharacter {
        /// The character's code point.
        code: u32,
    },
    /// A name whose labels read as an IPv4 address in inet_aton's shorthand (`127.1`,
    /// `0x7f.1`) or with an octet over 255, or whose top-level label is all digits (RFC 3696
    /// §2): it would silently become a DNS name no client resolves as meant.
    #[error("looks like an IP address but is not a valid dotted quad; write ip:A.B.C.D")]
    NumericName,
    /// A wildcard over a single label (`*.com`): CAs may not issue one over a public suffix
    /// (CA/Browser Forum BR §3.2.2.6), and clients refuse it.
    #[error("a wildcard needs at least two labels after '*.' (e.g. *.example.com)")]
    WildcardTooBroad,
    /// An email address without a local part or a valid domain.
    #[error("not an email address (LOCAL@DOMAIN)")]
    BadEmail,
    /// A URI that does not parse (RFC 3986), e.g. an unclosed IPv6 literal.
    #[error("not a valid URI: {detail}")]
    BadUri {
        /// What is wrong.
        detail: &'static str,
    },
    /// `uri:` without a scheme (RFC 3986 §3).
    #[error("a URI needs a scheme, like spiffe://db/x")]
    UriWithoutScheme,
}

/// What is wrong with a slash-form subject, at a position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubjectProblem {
    /// A dotted OID that does not parse as an OID.
    #[error("attribute {oid}: {detail}")]
    AttributeOid {
        /// The OID from the attribute table.
        oid: &'static str,
        /// The parser's message.
        detail: String,
    },
    /// A name with a separator or backslash in it.
    #[error("'{name}' is not an attribute name")]
    BadAttributeName {
        /// The name as typed.
        name: String,
    },
    /// A name starting with a digit that is not a dotted OID.
    #[error("'{name}' is not a valid dotted OID")]
    BadOid {
        /// The name as typed.
        name: String,
    },
    /// A backslash at the end of the text.
    #[error("a '\\' at the end escapes nothing")]
    DanglingEscape,
    /// Two separators in a row.
    #[error("an empty attribute (two separators in a row)")]
    EmptyAttribute,
    /// `NAME=` with nothing after it.
    #[error("{attribute} has an empty value")]
    EmptyValue {
        /// The attribute's short name (or OID).
        attribute: String,
    },
    /// A value outside the size bounds of RFC 5280 Appendix A (`ub-*`).
    #[error(
        "{attribute} must be {} characters long, not {actual}",
        if min == max { format!("exactly {min}") } else { format!("{min} to {max}") }
    )]
    Length {
        /// The attribute's short name.
        attribute: String,
        /// The fewest characters allowed.
        min: usize,
        /// The most characters allowed.
        max: usize,
        /// How many there are.
        actual: usize,
    },
    /// `=` with no name before it.
    #[error("an attribute name is missing before '='")]
    MissingAttributeName,
    /// The text has no attribute at all.
    #[error("the subject has no attribute")]
    NoAttribute,
    /// An attribute without `=`.
    #[error("'{text}' has no '=' and value")]
    NoEquals {
        /// The text from the attribute on.
        text: String,
    },
    /// The text does not start with '/'.
    #[error("a subject starts with '/' and looks like /C=US/O=Example/CN=alice")]
    NoLeadingSlash,
    /// A '+' with nothing before it to join.
    #[error("'+' joins an attribute to an RDN, but there is none before it")]
    PlusWithoutRdn,
    /// A '+' at the very end.
    #[error("a '+' must be followed by another attribute")]
    TrailingPlus,
    /// A name neither OpenSSL's table nor an OID.
    #[error(
        "unknown attribute '{name}'{}: use an OpenSSL short name or a dotted OID",
        suggestion.map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default()
    )]
    UnknownAttribute {
        /// The name as typed.
        name: String,
        /// The short name differing only in case, if any.
        suggestion: Option<&'static str>,
    },
    /// An attribute OpenSSL writes with a string type dbtls does not write.
    #[error("{attribute} is written as {write:?}String by OpenSSL, which dbtls does not write")]
    UnwrittenType {
        /// The attribute's short name.
        attribute: &'static str,
        /// The string type OpenSSL uses.
        write: oids::Write,
    },
}
