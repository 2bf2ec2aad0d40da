use super::*;

#[test]
fn suffix_rules_follow_mysql_ssl_rsa_setup() {
    assert!(check_suffix("abc_123").is_ok());
    assert!(check_suffix(DEFAULT_SUFFIX).is_ok());
    assert!(check_suffix("a.b").is_err());
    assert!(check_suffix(&"x".repeat(17)).is_ok());
    assert!(check_suffix(&"x".repeat(18)).is_err());
}

#[test]
fn common_names_fit_in_64_characters() {
    for cn in common_names(&"x".repeat(MAX_SUFFIX)) {
        assert!(cn.len() <= 64, "{cn}");
    }
}
