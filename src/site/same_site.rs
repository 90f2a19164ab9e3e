//! Whether a start page's redirect stays on the site the targets file names.
//! A start URL that leads to another host would otherwise have that host
//! crawled under the agency's name; only the `www.` twin and the upgrade to
//! https are the same site. The Public Suffix List tells a neighbour under
//! the same registrable domain (a department moved into its province's
//! portal) from a different site altogether, so the message can say which.

use url::{Host, Url};

/// Where a start redirect leads, seen from the start URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectReach {
    /// The same site: the same host but for a leading `www.`, the scheme
    /// kept or upgraded from http to https, and the same port (or each
    /// scheme's default one).
    SameSite,
    /// Another host of the same registrable domain, named here
    /// (`stp.hoabinh.gov.vn` → `hoabinh.gov.vn`).
    SameDomain(String),
    /// Another registrable domain, or another address altogether.
    OtherSite,
}

/// How `to` stands to the site of `from`.
#[must_use]
pub fn redirect_reach(from: &Url, to: &Url) -> RedirectReach {
    let scheme_kept =
        from.scheme() == to.scheme() || (from.scheme() == "http" && to.scheme() == "https");
    // `Url::port` is `None` for the scheme's default port, so this also
    // lets http on 80 move to https on 443.
    let same_host = bare_host(from).is_some_and(|h| Some(h) == bare_host(to));
    if same_host && scheme_kept && from.port() == to.port() {
        return RedirectReach::SameSite;
    }
    match registrable_domain(from) {
        Some(domain) if registrable_domain(to) == Some(domain) => {
            RedirectReach::SameDomain(domain.to_owned())
        }
        _ => RedirectReach::OtherSite,
    }
}

/// The registrable domain of `url`'s host by the Public Suffix List
/// (`hoabinh.gov.vn` for `stp.hoabinh.gov.vn`, since `gov.vn` is a public
/// suffix); `None` for IP addresses and hosts that are themselves a suffix.
#[must_use]
pub fn registrable_domain(url: &Url) -> Option<&str> {
    match url.host()? {
        Host::Domain(host) => psl::domain_str(host.trim_end_matches('.')),
        Host::Ipv4(_) | Host::Ipv6(_) => None,
    }
}

/// The host without a leading `www.` (IP addresses as they are).
fn bare_host(url: &Url) -> Option<&str> {
    match url.host()? {
        Host::Domain(host) => Some(host.strip_prefix("www.").unwrap_or(host)),
        Host::Ipv4(_) | Host::Ipv6(_) => url.host_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(from: &str, to: &str) -> RedirectReach {
        redirect_reach(&Url::parse(from).unwrap(), &Url::parse(to).unwrap())
    }

    #[test]
    fn the_www_twin_either_way_is_the_same_site() {
        assert_eq!(
            reach("http://hoabinh.gov.vn/", "http://www.hoabinh.gov.vn/portal"),
            RedirectReach::SameSite
        );
        assert_eq!(
            reach("https://www.hoabinh.gov.vn/", "https://hoabinh.gov.vn/"),
            RedirectReach::SameSite
        );
    }

    #[test]
    fn https_upgrade_is_the_same_site_but_a_downgrade_is_not() {
        assert_eq!(
            reach("http://hoabinh.gov.vn/", "https://www.hoabinh.gov.vn/"),
            RedirectReach::SameSite
        );
        assert_eq!(
            reach(
                "http://hoabinh.gov.vn:8080/",
                "https://hoabinh.gov.vn:8080/"
            ),
            RedirectReach::SameSite
        );
        assert_ne!(
            reach("https://hoabinh.gov.vn/", "http://hoabinh.gov.vn/"),
            RedirectReach::SameSite
        );
    }

    #[test]
    fn another_port_is_not_the_same_site() {
        assert_ne!(
            reach("http://hoabinh.gov.vn/", "http://hoabinh.gov.vn:8080/"),
            RedirectReach::SameSite
        );
        assert_ne!(
            reach("http://hoabinh.gov.vn/", "https://hoabinh.gov.vn:8443/"),
            RedirectReach::SameSite
        );
    }

    #[test]
    fn another_subdomain_of_the_same_registrable_domain_is_named() {
        assert_eq!(
            reach(
                "http://stp.hoabinh.gov.vn/",
                "https://hoabinh.gov.vn/web/so-tu-phap"
            ),
            RedirectReach::SameDomain("hoabinh.gov.vn".into())
        );
        assert_eq!(
            reach(
                "http://www.stp.hoabinh.gov.vn/",
                "http://sxd.hoabinh.gov.vn/"
            ),
            RedirectReach::SameDomain("hoabinh.gov.vn".into())
        );
    }

    #[test]
    fn gov_vn_is_a_public_suffix_so_provinces_are_other_sites() {
        assert_eq!(
            reach("http://stp.hoabinh.gov.vn/", "http://stp.hanoi.gov.vn/"),
            RedirectReach::OtherSite
        );
        assert_eq!(
            reach("http://hoabinh.gov.vn/", "https://dichvucong.gov.vn/"),
            RedirectReach::OtherSite
        );
        assert_eq!(
            reach("http://hoabinh.gov.vn/", "https://example.com/"),
            RedirectReach::OtherSite
        );
    }

    #[test]
    fn ip_addresses_are_their_own_sites() {
        assert_eq!(
            reach("http://127.0.0.1:8080/", "http://127.0.0.1:8080/home"),
            RedirectReach::SameSite
        );
        assert_eq!(
            reach("http://127.0.0.1:8080/", "http://127.0.0.2:8080/"),
            RedirectReach::OtherSite
        );
        assert_eq!(
            reach("http://127.0.0.1:8080/", "http://127.0.0.1:8081/"),
            RedirectReach::OtherSite
        );
        assert_eq!(
            reach("http://[::1]:8080/", "https://[::1]:8080/"),
            RedirectReach::SameSite
        );
        assert_eq!(
            reach("http://hoabinh.gov.vn/", "http://203.0.113.7/"),
            RedirectReach::OtherSite
        );
    }

    #[test]
    fn registrable_domains_follow_the_public_suffix_list() {
        let domain = |s: &str| registrable_domain(&Url::parse(s).unwrap()).map(str::to_owned);
        assert_eq!(
            domain("http://stp.hoabinh.gov.vn/"),
            Some("hoabinh.gov.vn".into())
        );
        assert_eq!(domain("http://gov.vn/"), None);
        assert_eq!(domain("http://127.0.0.1/"), None);
        assert_eq!(
            domain("http://a.b.example.com/"),
            Some("example.com".into())
        );
    }
}
