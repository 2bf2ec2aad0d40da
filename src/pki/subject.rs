//! The OpenSSL / MySQL slash form of a subject: `/C=US/ST=Oregon/O=My Dom, Inc./CN=alice`.
//!
//! The grammar is the one `openssl req -subj` accepts (openssl `apps/lib/apps.c` `parse_name`):
//! every attribute starts with `/`, or with `+` when it joins the previous attribute's RDN
//! (a multi-valued RDN); the type is an OpenSSL short name or a dotted OID, then `=`, then the
//! value, in which `\` makes the next character literal (`\/`, `\+`, `\\`). RDNs stay in the
//! order given, which is the order MySQL's `REQUIRE SUBJECT` string has to follow.
//!
//! Where OpenSSL only warns and skips (an unknown type, an empty value), this parser refuses:
//! a subject that silently loses an attribute would never match the intended `REQUIRE SUBJECT`.

use der::asn1::ObjectIdentifier;

use super::name::{Attribute, DistinguishedName, StringKind};
use super::oids;
use super::{Error, NameError, SubjectProblem};

/// Parses a slash-form subject into a [`DistinguishedName`].
///
/// Each value gets the string type `openssl req -utf8` would give it (PrintableString for C,
/// serialNumber and dnQualifier, IA5String for emailAddress and DC, UTF8String otherwise), so
/// the DER equals what OpenSSL writes for the same `-subj`.
pub fn parse(text: &str) -> Result<DistinguishedName, Error> {
    let err = |at: usize, problem: SubjectProblem| -> Error {
        NameError::Subject {
            text: text.to_string(),
            position: text[..at].chars().count() + 1,
            problem,
        }
        .into()
    };
    if !text.starts_with('/') {
        return Err(err(0, SubjectProblem::NoLeadingSlash));
    }
    let mut rdns: Vec<Vec<Attribute>> = Vec::new();
    let mut pos = 0;
    // `pos` points at a '/' or '+' separator.
    while pos < text.len() {
        let joins = text[pos..].starts_with('+');
        let start = pos + 1;
        if start == text.len() && !joins {
            break; // a trailing '/' is accepted, as openssl does
        }
        if text[start..].starts_with(['/', '+']) {
            return Err(err(start, SubjectProblem::EmptyAttribute));
        }
        let Some(eq) = text[start..].find('=').map(|i| start + i) else {
            return Err(err(
                start,
                SubjectProblem::NoEquals {
                    text: text[start..].to_string(),
                },
            ));
        };
        let name = &text[start..eq];
        if let Some(bad) = name.find(['/', '+', '\\']) {
            return Err(err(
                start + bad,
                SubjectProblem::BadAttributeName {
                    name: name.to_string(),
                },
            ));
        }
        let (oid, kind, limits, label) = attribute_type(name).map_err(|why| err(start, why))?;
        // The value: up to the next unescaped '/' or '+'.
        let mut value = String::new();
        let mut chars = text[eq + 1..].char_indices();
        let mut end = text.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, escaped)) => value.push(escaped),
                    None => {
                        return Err(err(eq + 1 + i, SubjectProblem::DanglingEscape));
                    }
                },
                '/' | '+' => {
                    end = eq + 1 + i;
                    break;
                }
                _ => value.push(c),
            }
        }
        if value.is_empty() {
            return Err(err(eq + 1, SubjectProblem::EmptyValue { attribute: label }));
        }
        if let Some((min, max)) = limits {
            let n = value.chars().count();
            if n < min || n > max {
                return Err(err(
                    eq + 1,
                    SubjectProblem::Length {
                        attribute: label,
                        min,
                        max,
                        actual: n,
                    },
                ));
            }
        }
        let attr = Attribute { oid, kind, value };
        if joins {
            match rdns.last_mut() {
                Some(rdn) => rdn.push(attr),
                None => {
                    return Err(err(pos, SubjectProblem::PlusWithoutRdn));
                }
            }
        } else {
            rdns.push(vec![attr]);
        }
        if end == text.len() - 1 && text[end..].starts_with('+') {
            return Err(err(end, SubjectProblem::TrailingPlus));
        }
        pos = end;
    }
    if rdns.is_empty() {
        return Err(err(0, SubjectProblem::NoAttribute));
    }
    DistinguishedName::new(rdns).map_err(|e| {
        NameError::SubjectName {
            text: text.to_string(),
            inner: Box::new(e),
        }
        .into()
    })
}

type Resolved = (ObjectIdentifier, StringKind, Option<(usize, usize)>, String);

/// Resolves an attribute name (short name or dotted OID) to OID, string type and size limits.
fn attribute_type(name: &str) -> Result<Resolved, SubjectProblem> {
    if name.is_empty() {
        return Err(SubjectProblem::MissingAttributeName);
    }
    let known = if name.starts_with(|c: char| c.is_ascii_digit()) {
        let oid = ObjectIdentifier::new(name).map_err(|_| SubjectProblem::BadOid {
            name: name.to_string(),
        })?;
        match oids::by_oid(name) {
            Some(t) => Some(t),
            // An OID OpenSSL has no name for: UTF8String, as `string_mask = utf8only` gives it.
            None => return Ok((oid, StringKind::Utf8, None, name.to_string())),
        }
    } else {
        oids::by_short_name(name)
    };
    let Some(t) = known else {
        let suggestion = oids::ATTRIBUTES
            .iter()
            .find(|a| a.short_name.eq_ignore_ascii_case(name))
            .map(|a| a.short_name);
        return Err(SubjectProblem::UnknownAttribute {
            name: name.to_string(),
            suggestion,
        });
    };
    let oid = ObjectIdentifier::new(t.oid).map_err(|e| SubjectProblem::AttributeOid {
        oid: t.oid,
        detail: e.to_string(),
    })?;
    let Some(kind) = t.write.kind() else {
        return Err(SubjectProblem::UnwrittenType {
            attribute: t.short_name,
            write: t.write,
        });
    };
    Ok((oid, kind, t.size_limits(), t.short_name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(dn: &DistinguishedName) -> Vec<Vec<(String, StringKind, String)>> {
        dn.rdns()
            .iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|a| (a.oid.to_string(), a.kind, a.value.clone()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn parses_in_the_order_given_with_openssl_string_types() {
        let dn = parse("/C=US/ST=Oregon/L=Portland/O=My Dom, Inc./CN=alice/emailAddress=a@x.org")
            .unwrap();
        let f = flat(&dn);
        assert_eq!(f.len(), 6);
        assert_eq!(
            f[0][0],
            ("2.5.4.6".into(), StringKind::Printable, "US".into())
        );
        assert_eq!(f[3][0].2, "My Dom, Inc.");
        assert_eq!(
            f[4][0],
            ("2.5.4.3".into(), StringKind::Utf8, "alice".into())
        );
        assert_eq!(f[5][0].1, StringKind::Ia5);
    }

    #[test]
    fn plus_joins_a_multi_valued_rdn_and_escapes_work() {
        let dn = parse(r"/O=a\/b\+c\\d/UID=jdoe+CN=John Doe").unwrap();
        let f = flat(&dn);
        assert_eq!(f[0][0].2, r"a/b+c\d");
        assert_eq!(f[1].len(), 2);
        assert_eq!(f[1][0].0, "0.9.2342.19200300.100.1.1");
        assert_eq!(f[1][1].2, "John Doe");
    }

    #[test]
    fn dotted_oids_and_trailing_slash() {
        let f = flat(&parse("/1.2.3.4=x/2.5.4.3=y/").unwrap());
        assert_eq!(f[0][0], ("1.2.3.4".into(), StringKind::Utf8, "x".into()));
        assert_eq!(f[1][0].0, "2.5.4.3");
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn malformed_subjects_say_where() {
        for (text, needle) in [
            ("CN=x", "starts with '/'"),
            ("/CN", "no '='"),
            ("/CN=", "empty value"),
            ("/cn=x", "did you mean 'CN'"),
            ("/Foo=x", "unknown attribute 'Foo'"),
            ("/CN=x\\", "escapes nothing"),
            ("/CN=x+", "followed by another attribute"),
            ("/C=USA", "exactly 2"),
            ("/C=U_", "PrintableString"),
            ("/=x", "name is missing"),
            ("/1.2.x=y", "not a valid dotted OID"),
            ("/friendlyName=x", "BmpString"),
            ("/", "no attribute"),
            ("//CN=x", "two separators"),
            ("/CN=a+/O=b", "two separators"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert!(
            parse("/CN=x/O=y//")
                .unwrap_err()
                .to_string()
                .contains("at character 11")
        );
    }

    #[test]
    fn upper_bounds_and_unsafe_characters_are_refused() {
        let cn64 = "a".repeat(64);
        assert!(parse(&format!("/CN={cn64}")).is_ok());
        let err = parse(&format!("/CN={cn64}b")).unwrap_err().to_string();
        assert!(err.contains("CN") && err.contains("64"), "{err}");
        let err = DistinguishedName::common_name(&"c".repeat(65))
            .unwrap_err()
            .to_string();
        assert!(err.contains("65 characters, more than the 64"), "{err}");
        for (value, code) in [
            ("a\u{1b}[31mb", "U+001B"),
            ("x\u{85}", "U+0085"),
            ("\u{202e}txt", "U+202E"),
        ] {
            let err = parse(&format!("/O=ok/CN={value}")).unwrap_err().to_string();
            assert!(err.contains(code), "{err}");
        }
    }

    #[test]
    fn der_sorts_members_of_a_multi_valued_rdn() {
        let a = parse("/UID=jdoe+CN=John Doe").unwrap().to_der().unwrap();
        let b = parse("/CN=John Doe+UID=jdoe").unwrap().to_der().unwrap();
        assert_eq!(a, b);
    }
}
