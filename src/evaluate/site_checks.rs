//! Items that rest on facts about the whole site rather than on a page:
//! HTTPS with a valid certificate, a sitemap, robots.txt, a `.gov.vn` host,
//! IPv6, and whether any page shows a date.

use jiff::civil::Date;
use url::Url;

use crate::checklist::{Item, SiteCheck};
use crate::site::SiteFacts;

/// The evidence for `check`, if the site passes it; `newest` is the newest
/// date any main-language page shows.
pub(super) fn site_check(
    check: SiteCheck,
    site: &SiteFacts,
    newest: Option<&(Date, Url)>,
) -> Option<(Url, String)> {
    match check {
        SiteCheck::Https => (site.https && site.tls_problem.is_none()).then(|| {
            (
                site.final_url.clone(),
                "served over HTTPS with a valid certificate".to_owned(),
            )
        }),
        SiteCheck::SitemapXml => site
            .sitemap_xml
            .clone()
            .map(|u| (u, "sitemap.xml answers with a sitemap".into())),
        SiteCheck::RobotsTxt => site.robots_txt.then(|| {
            let url = site
                .final_url
                .join("/robots.txt")
                .unwrap_or_else(|_| site.final_url.clone());
            (url, "robots.txt answers".into())
        }),
        SiteCheck::GovDomain => {
            let host = site
                .final_url
                .host_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            host.ends_with(".gov.vn")
                .then(|| (site.final_url.clone(), format!("host {host}")))
        }
        SiteCheck::Ipv6 => site.ipv6.then(|| {
            (
                site.final_url.clone(),
                "the host has an IPv6 address".into(),
            )
        }),
        SiteCheck::DatedContent => {
            newest.map(|(date, url)| (url.clone(), format!("newest date on the site: {date}")))
        }
    }
}

/// For an item that rests on site facts alone, what the site lacks.
pub(super) fn site_check_shortfall(item: &Item, site: &SiteFacts) -> Option<String> {
    let only_site = item
        .signals_written
        .summary()
        .split(' ')
        .all(|s| s.starts_with("site("));
    if !only_site {
        return None;
    }
    let reasons: Vec<String> = item
        .site_checks
        .iter()
        .map(|check| match check {
            SiteCheck::Https => match &site.tls_problem {
                Some(problem) => format!("the certificate is not valid ({problem})"),
                None => format!(
                    "served over {} ({})",
                    site.final_url.scheme(),
                    site.final_url
                ),
            },
            SiteCheck::SitemapXml => "no sitemap.xml answers with a sitemap".to_owned(),
            SiteCheck::RobotsTxt => "no robots.txt".to_owned(),
            SiteCheck::GovDomain => format!(
                "host {} is not under .gov.vn",
                site.final_url.host_str().unwrap_or_default()
            ),
            SiteCheck::Ipv6 => "the host has no IPv6 address".to_owned(),
            SiteCheck::DatedContent => "no page shows a date".to_owned(),
        })
        .collect();
    Some(reasons.join("; "))
}
