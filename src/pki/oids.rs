//! OpenSSL's short names for name attributes, and the string type `openssl req -utf8` writes
//! each one with, as data.
//!
//! `X509_NAME_oneline` labels an entry with `OBJ_nid2sn` (openssl `crypto/objects/objects.txt`),
//! and `X509_NAME_add_entry_by_txt` picks the string type from `ASN1_STRING_TABLE`
//! (`crypto/asn1/tbl_standard.h`) under the default `string_mask = utf8only`. Every row below
//! was checked against OpenSSL 3.0: `openssl req -x509 -utf8 -subj /<dotted-oid>=<value>`, then
//! `openssl x509 -noout -subject -nameopt compat` for the label and `openssl asn1parse` for the
//! string type. OIDs not listed render in dotted form, as OpenSSL prints OIDs it has no name for.

use super::name::StringKind;

/// The ASN.1 string type OpenSSL writes an attribute with (`openssl req -utf8`, default mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// UTF8String: every attribute without an `ASN1_STRING_TABLE` entry.
    Utf8,
    /// PrintableString (C, serialNumber, dnQualifier, jurisdictionC, c3).
    Printable,
    /// IA5String (emailAddress, DC, mail).
    Ia5,
    /// NumericString (n3, INN, OGRN, SNILS): not written by dbtls.
    Numeric,
    /// BMPString (friendlyName, CSPName): not written by dbtls.
    Bmp,
}

impl Write {
    /// The [`StringKind`] dbtls writes this with, if it can write it at all.
    pub fn kind(self) -> Option<StringKind> {
        match self {
            Write::Utf8 => Some(StringKind::Utf8),
            Write::Printable => Some(StringKind::Printable),
            Write::Ia5 => Some(StringKind::Ia5),
            Write::Numeric | Write::Bmp => None,
        }
    }
}

/// One attribute type: dotted OID, OpenSSL short name, string type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeType {
    /// Dotted OID, e.g. `2.5.4.3`.
    pub oid: &'static str,
    /// OpenSSL's short name, e.g. `CN` (what `X509_NAME_oneline` prints).
    pub short_name: &'static str,
    /// The string type `openssl req -utf8` writes.
    pub write: Write,
}

impl AttributeType {
    /// The length limits OpenSSL's `ASN1_STRING_TABLE` puts on a value, in characters
    /// (`tbl_standard.h`: countryName and jurisdictionC are exactly 2, c3 and n3 exactly 3; the
    /// upper bounds are RFC 5280 Appendix A's ub-* values, which `openssl req` enforces too).
    pub fn size_limits(&self) -> Option<(usize, usize)> {
        size_limits(self.oid)
    }
}

/// [`AttributeType::size_limits`] by dotted OID.
pub fn size_limits(oid: &str) -> Option<(usize, usize)> {
    match oid {
        "2.5.4.6" | "1.3.6.1.4.1.311.60.2.1.3" => Some((2, 2)),
        "2.5.4.98" | "2.5.4.99" => Some((3, 3)),
        // ub-common-name, ub-organization-name, ub-organizational-unit-name, ub-serial-number.
        "2.5.4.3" | "2.5.4.10" | "2.5.4.11" | "2.5.4.5" => Some((1, 64)),
        // ub-locality-name, ub-state-name, ub-emailaddress-length.
        "2.5.4.7" | "2.5.4.8" | "1.2.840.113549.1.9.1" => Some((1, 128)),
        _ => None,
    }
}

macro_rules! table {
    ($(($oid:literal, $sn:literal, $w:ident),)*) => {
        /// Every attribute type OpenSSL names that dbtls knows, grouped by arc.
        pub const ATTRIBUTES: &[AttributeType] = &[
            $(AttributeType { oid: $oid, short_name: $sn, write: Write::$w },)*
        ];
    };
}

table! {
    // X.520 (2.5.4.x)
    ("2.5.4.3", "CN", Utf8),
    ("2.5.4.4", "SN", Utf8),
    ("2.5.4.5", "serialNumber", Printable),
    ("2.5.4.6", "C", Printable),
    ("2.5.4.7", "L", Utf8),
    ("2.5.4.8", "ST", Utf8),
    ("2.5.4.9", "street", Utf8),
    ("2.5.4.10", "O", Utf8),
    ("2.5.4.11", "OU", Utf8),
    ("2.5.4.12", "title", Utf8),
    ("2.5.4.13", "description", Utf8),
    ("2.5.4.14", "searchGuide", Utf8),
    ("2.5.4.15", "businessCategory", Utf8),
    ("2.5.4.16", "postalAddress", Utf8),
    ("2.5.4.17", "postalCode", Utf8),
    ("2.5.4.18", "postOfficeBox", Utf8),
    ("2.5.4.19", "physicalDeliveryOfficeName", Utf8),
    ("2.5.4.20", "telephoneNumber", Utf8),
    ("2.5.4.21", "telexNumber", Utf8),
    ("2.5.4.22", "teletexTerminalIdentifier", Utf8),
    ("2.5.4.23", "facsimileTelephoneNumber", Utf8),
    ("2.5.4.24", "x121Address", Utf8),
    ("2.5.4.25", "internationaliSDNNumber", Utf8),
    ("2.5.4.26", "registeredAddress", Utf8),
    ("2.5.4.27", "destinationIndicator", Utf8),
    ("2.5.4.28", "preferredDeliveryMethod", Utf8),
    ("2.5.4.29", "presentationAddress", Utf8),
    ("2.5.4.30", "supportedApplicationContext", Utf8),
    ("2.5.4.31", "member", Utf8),
    ("2.5.4.32", "owner", Utf8),
    ("2.5.4.33", "roleOccupant", Utf8),
    ("2.5.4.34", "seeAlso", Utf8),
    ("2.5.4.35", "userPassword", Utf8),
    ("2.5.4.36", "userCertificate", Utf8),
    ("2.5.4.37", "cACertificate", Utf8),
    ("2.5.4.38", "authorityRevocationList", Utf8),
    ("2.5.4.39", "certificateRevocationList", Utf8),
    ("2.5.4.40", "crossCertificatePair", Utf8),
    ("2.5.4.41", "name", Utf8),
    ("2.5.4.42", "GN", Utf8),
    ("2.5.4.43", "initials", Utf8),
    ("2.5.4.44", "generationQualifier", Utf8),
    ("2.5.4.45", "x500UniqueIdentifier", Utf8),
    ("2.5.4.46", "dnQualifier", Printable),
    ("2.5.4.47", "enhancedSearchGuide", Utf8),
    ("2.5.4.48", "protocolInformation", Utf8),
    ("2.5.4.49", "distinguishedName", Utf8),
    ("2.5.4.50", "uniqueMember", Utf8),
    ("2.5.4.51", "houseIdentifier", Utf8),
    ("2.5.4.52", "supportedAlgorithms", Utf8),
    ("2.5.4.53", "deltaRevocationList", Utf8),
    ("2.5.4.54", "dmdName", Utf8),
    ("2.5.4.65", "pseudonym", Utf8),
    ("2.5.4.72", "role", Utf8),
    ("2.5.4.97", "organizationIdentifier", Utf8),
    ("2.5.4.100", "dnsName", Utf8),
    ("1.2.840.113549.1.9.1", "emailAddress", Ia5),
    ("1.2.840.113549.1.9.2", "unstructuredName", Utf8),
    ("1.2.840.113549.1.9.3", "contentType", Utf8),
    ("1.2.840.113549.1.9.4", "messageDigest", Utf8),
    ("1.2.840.113549.1.9.5", "signingTime", Utf8),
    ("1.2.840.113549.1.9.6", "countersignature", Utf8),
    ("1.2.840.113549.1.9.7", "challengePassword", Utf8),
    ("1.2.840.113549.1.9.8", "unstructuredAddress", Utf8),
    ("1.2.840.113549.1.9.9", "extendedCertificateAttributes", Utf8),
    ("1.2.840.113549.1.9.14", "extReq", Utf8),
    ("1.2.840.113549.1.9.15", "SMIME-CAPS", Utf8),
    ("1.2.840.113549.1.9.16", "SMIME", Utf8),
    ("1.2.840.113549.1.9.21", "localKeyID", Utf8),
    ("0.9.2342.19200300.100.1.1", "UID", Utf8),
    ("0.9.2342.19200300.100.1.2", "textEncodedORAddress", Utf8),
    ("0.9.2342.19200300.100.1.3", "mail", Ia5),
    ("0.9.2342.19200300.100.1.4", "info", Utf8),
    ("0.9.2342.19200300.100.1.5", "favouriteDrink", Utf8),
    ("0.9.2342.19200300.100.1.6", "roomNumber", Utf8),
    ("0.9.2342.19200300.100.1.7", "photo", Utf8),
    ("0.9.2342.19200300.100.1.8", "userClass", Utf8),
    ("0.9.2342.19200300.100.1.9", "host", Utf8),
    ("0.9.2342.19200300.100.1.10", "manager", Utf8),
    ("0.9.2342.19200300.100.1.11", "documentIdentifier", Utf8),
    ("0.9.2342.19200300.100.1.12", "documentTitle", Utf8),
    ("0.9.2342.19200300.100.1.13", "documentVersion", Utf8),
    ("0.9.2342.19200300.100.1.14", "documentAuthor", Utf8),
    ("0.9.2342.19200300.100.1.15", "documentLocation", Utf8),
    ("0.9.2342.19200300.100.1.20", "homeTelephoneNumber", Utf8),
    ("0.9.2342.19200300.100.1.21", "secretary", Utf8),
    ("0.9.2342.19200300.100.1.22", "otherMailbox", Utf8),
    ("0.9.2342.19200300.100.1.23", "lastModifiedTime", Utf8),
    ("0.9.2342.19200300.100.1.24", "lastModifiedBy", Utf8),
    ("0.9.2342.19200300.100.1.25", "DC", Ia5),
    ("0.9.2342.19200300.100.1.26", "aRecord", Utf8),
    ("0.9.2342.19200300.100.1.27", "pilotAttributeType27", Utf8),
    ("0.9.2342.19200300.100.1.28", "mXRecord", Utf8),
    ("0.9.2342.19200300.100.1.29", "nSRecord", Utf8),
    ("0.9.2342.19200300.100.1.30", "sOARecord", Utf8),
    ("0.9.2342.19200300.100.1.31", "cNAMERecord", Utf8),
    ("0.9.2342.19200300.100.1.37", "associatedDomain", Utf8),
    ("0.9.2342.19200300.100.1.38", "associatedName", Utf8),
    ("0.9.2342.19200300.100.1.39", "homePostalAddress", Utf8),
    ("0.9.2342.19200300.100.1.40", "personalTitle", Utf8),
    ("0.9.2342.19200300.100.1.41", "mobileTelephoneNumber", Utf8),
    ("0.9.2342.19200300.100.1.42", "pagerTelephoneNumber", Utf8),
    ("0.9.2342.19200300.100.1.43", "friendlyCountryName", Utf8),
    ("0.9.2342.19200300.100.1.44", "uid", Utf8),
    ("0.9.2342.19200300.100.1.45", "organizationalStatus", Utf8),
    ("0.9.2342.19200300.100.1.46", "janetMailbox", Utf8),
    ("0.9.2342.19200300.100.1.47", "mailPreferenceOption", Utf8),
    ("0.9.2342.19200300.100.1.48", "buildingName", Utf8),
    ("0.9.2342.19200300.100.1.49", "dSAQuality", Utf8),
    ("0.9.2342.19200300.100.1.50", "singleLevelQuality", Utf8),
    ("0.9.2342.19200300.100.1.51", "subtreeMinimumQuality", Utf8),
    ("0.9.2342.19200300.100.1.52", "subtreeMaximumQuality", Utf8),
    ("0.9.2342.19200300.100.1.53", "personalSignature", Utf8),
    ("0.9.2342.19200300.100.1.54", "dITRedirect", Utf8),
    ("0.9.2342.19200300.100.1.55", "audio", Utf8),
    ("0.9.2342.19200300.100.1.56", "documentPublisher", Utf8),
    ("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL", Utf8),
    ("1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST", Utf8),
    ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC", Printable),
    ("2.5.4.98", "c3", Printable),
    ("2.5.4.99", "n3", Numeric),
    ("1.2.643.3.131.1.1", "INN", Numeric),
    ("1.2.643.100.1", "OGRN", Numeric),
    ("1.2.643.100.3", "SNILS", Numeric),
    ("1.2.643.100.5", "OGRNIP", Utf8),
    ("1.2.643.100.111", "subjectSignTool", Utf8),
    ("1.2.840.113549.1.9.20", "friendlyName", Bmp),
    ("1.3.6.1.4.1.311.17.1", "CSPName", Bmp),
}

/// The attribute type with this dotted OID.
pub fn by_oid(oid: &str) -> Option<&'static AttributeType> {
    ATTRIBUTES.iter().find(|a| a.oid == oid)
}

/// The attribute type with this OpenSSL short name (case-sensitive, as `OBJ_txt2nid`).
pub fn by_short_name(name: &str) -> Option<&'static AttributeType> {
    ATTRIBUTES.iter().find(|a| a.short_name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_no_duplicates() {
        for (i, a) in ATTRIBUTES.iter().enumerate() {
            for b in &ATTRIBUTES[i + 1..] {
                assert_ne!(a.oid, b.oid);
                assert_ne!(a.short_name, b.short_name);
            }
            assert!(der::asn1::ObjectIdentifier::new(a.oid).is_ok(), "{}", a.oid);
        }
    }

    #[test]
    fn the_names_the_issue_lists_are_there() {
        for sn in [
            "CN",
            "C",
            "L",
            "ST",
            "O",
            "OU",
            "emailAddress",
            "serialNumber",
            "UID",
            "DC",
            "street",
            "postalCode",
            "title",
            "GN",
            "SN",
            "initials",
            "pseudonym",
            "dnQualifier",
            "generationQualifier",
            "name",
            "description",
            "businessCategory",
            "jurisdictionC",
            "jurisdictionST",
            "jurisdictionL",
            "organizationIdentifier",
        ] {
            assert!(by_short_name(sn).is_some(), "{sn}");
        }
        assert_eq!(by_short_name("C").map(|a| a.write), Some(Write::Printable));
        assert_eq!(by_short_name("DC").map(|a| a.write), Some(Write::Ia5));
        assert_eq!(
            by_short_name("emailAddress").map(|a| a.write),
            Some(Write::Ia5)
        );
        assert_eq!(
            by_short_name("dnQualifier").map(|a| a.write),
            Some(Write::Printable)
        );
    }
}
