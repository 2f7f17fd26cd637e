//! A citizen browses the public catalogue of procedures.

use crate::helpers::{TestApp, assert_translated};

async fn first_procedure_titled(app: &TestApp, title: &str) -> i64 {
    let list: serde_json::Value = app
        .get(&format!("/api/v1/procedures?q={title}"))
        .await
        .json()
        .await
        .unwrap();
    list["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no procedure titled {title}: {list}"))
}

async fn every_public_page_renders_in_both_languages(app: &TestApp) {
    app.seed_demo().await;
    let id = first_procedure_titled(app, "国家赔偿").await;
    for (lang, marker) in [("zh-CN", "办事指南"), ("en", "Procedures")] {
        for path in [
            "/".to_owned(),
            "/procedures".to_owned(),
            format!("/procedures/{id}"),
            format!("/procedures/{id}/versions"),
            format!("/procedures/{id}/versions/1"),
            "/staff/login".to_owned(),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let (status, page) = app.get_text(&format!("{path}{sep}lang={lang}")).await;
            assert_eq!(status, 200, "{path} in {lang}");
            assert!(
                page.contains(&format!("<html lang=\"{lang}\">")),
                "{path} is not in {lang}"
            );
            assert!(page.contains(marker), "{path} in {lang} lacks {marker}");
            assert!(
                page.contains("href=\"#main\""),
                "{path} lacks the skip link"
            );
            assert_translated(&page);
        }
    }
}
db_test!(every_public_page_renders_in_both_languages);

async fn the_language_choice_is_remembered_and_accept_language_is_honoured(app: &TestApp) {
    let (_, page) = app.get_text("/").await;
    assert!(
        page.contains("<html lang=\"zh-CN\">"),
        "Chinese is the default"
    );
    let r = app
        .client
        .get(app.url("/"))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"));
    let (_, page) = app.get_text("/?lang=en").await;
    assert!(page.contains("Open enforcement"));
    let (_, page) = app.get_text("/procedures").await;
    assert!(
        page.contains("<html lang=\"en\">"),
        "the cookie carries the choice to the next page"
    );
    let (_, page) = app.get_text("/procedures?lang=zh-CN").await;
    assert!(page.contains("<html lang=\"zh-CN\">"));
}
db_test!(the_language_choice_is_remembered_and_accept_language_is_honoured);

async fn the_catalogue_filters_by_agency_type_and_category_and_paginates(app: &TestApp) {
    app.seed_demo().await;
    let all: serde_json::Value = app
        .get("/api/v1/procedures?per_page=100")
        .await
        .json()
        .await
        .unwrap();
    let total = all["total"].as_u64().unwrap();
    assert!(
        total >= 25,
        "the demo publishes at least 25 procedures, got {total}"
    );

    let prisons: serde_json::Value = app
        .get("/api/v1/procedures?agency_type=prison&per_page=100")
        .await
        .json()
        .await
        .unwrap();
    let items = prisons["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|p| p["agency_type"] == "prison"));

    let (status, page) = app
        .get_text("/procedures?agency_type=procuratorate&category=supervision")
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("立案监督申请"));
    assert!(
        !page.contains("申请国家赔偿"),
        "a court procedure leaked into the procuratorate filter"
    );

    // Ten per page: page 1 and page 2 differ, and the pager links forward.
    let (_, page1) = app.get_text("/procedures").await;
    let (_, page2) = app.get_text("/procedures?page=2").await;
    assert!(page1.contains("rel=\"next\""));
    assert!(page2.contains("rel=\"prev\""));
    assert_ne!(page1, page2);
    assert!(page1.contains(&format!("共找到 {total} 项办事指南")));

    // Words in the title, in either language.
    let (_, found) = app.get_text("/procedures?q=%E4%BA%A4%E9%80%9A").await; // 交通
    assert!(found.contains("道路交通安全违法行为处理"));
    let (_, found) = app.get_text("/procedures?q=legal%20aid&lang=en").await;
    assert!(found.contains("Applying for legal aid"));
}
db_test!(the_catalogue_filters_by_agency_type_and_category_and_paginates);

async fn a_procedure_page_shows_basis_steps_limits_materials_fees_and_appeal(app: &TestApp) {
    app.seed_demo().await;
    let id = first_procedure_titled(app, "法律援助申请").await;
    let (status, page) = app.get_text(&format!("/procedures/{id}")).await;
    assert_eq!(status, 200);
    for expected in [
        "法律依据",
        "《中华人民共和国法律援助法》",
        "第四十三条",
        "办理步骤",
        "办理时限",
        "七日内作出",
        "所需材料",
        "法律援助申请表",
        "收费标准",
        "不收取任何费用",
        "救济途径",
        "临江市司法局",
    ] {
        assert!(page.contains(expected), "the page lacks {expected}");
    }
    // Steps are an ordered list, in the published order.
    let steps = page.find("<ol class=\"steps\"").unwrap();
    let first = page[steps..].find("提出申请").unwrap();
    let third = page[steps..].find("七日内作出").unwrap();
    assert!(first < third);
}
db_test!(a_procedure_page_shows_basis_steps_limits_materials_fees_and_appeal);

async fn an_older_version_stays_readable_with_a_notice(app: &TestApp) {
    app.seed_demo().await;
    // The demo publishes 治安管理处罚程序 twice: first citing the 2017 law, then the 2021 one.
    let id = first_procedure_titled(app, "治安管理处罚程序").await;
    let (_, current) = app.get_text(&format!("/procedures/{id}")).await;
    assert!(current.contains("第四十四条"));
    assert!(current.contains("第 2 版"));
    let (_, history) = app.get_text(&format!("/procedures/{id}/versions")).await;
    assert!(history.contains("首次发布（依据2017年行政处罚法）"));
    assert!(history.contains(&format!("/procedures/{id}/versions/1")));
    let (status, old) = app.get_text(&format!("/procedures/{id}/versions/1")).await;
    assert_eq!(status, 200);
    assert!(
        old.contains("第三十一条"),
        "version 1 keeps its own citations"
    );
    assert!(!old.contains("第四十四条"));
    assert!(
        old.contains("历史版本"),
        "an old version says it is not current"
    );
    let (status, _) = app.get_text(&format!("/procedures/{id}/versions/9")).await;
    assert_eq!(status, 404);
}
db_test!(an_older_version_stays_readable_with_a_notice);

/// What crawlers and careful clients ask for: `HEAD` wherever `GET` is,
/// `robots.txt`, `sitemap.xml`, and no link off the site from any path.
async fn head_robots_sitemap_and_no_link_off_the_site(app: &TestApp) {
    app.seed_demo().await;
    let id = first_procedure_titled(app, "国家赔偿").await;
    for path in [
        "/",
        "/procedures",
        &format!("/procedures/{id}"),
        "/statistics",
        "/answers",
        "/agencies",
        "/terms",
        "/petitions/start/report",
    ] {
        let r = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "HEAD {path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "HEAD {path} says what GET would send"
        );
        assert!(
            r.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    assert_eq!(
        app.client
            .head(app.url("/nothing-here"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );

    let (status, robots) = app.get_text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains("Disallow: /staff") && robots.contains("Disallow: /track"));
    assert!(robots.contains("Sitemap: http://127.0.0.1:"), "{robots}");
    let (status, sitemap) = app.get_text("/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(sitemap.starts_with("<?xml") && sitemap.contains("<urlset"));
    assert!(
        sitemap.contains(&format!("/procedures/{id}</loc>")),
        "{sitemap}"
    );
    assert!(sitemap.contains("/statistics</loc>") && sitemap.contains("/answers/"));
    assert!(!sitemap.contains("/staff") && !sitemap.contains("/track/"));

    // A path that starts like another host must not become a link to it.
    for evil in ["//evil.example/x", "/%2F/evil.example/x"] {
        let (_, page) = app.get_text(evil).await;
        assert!(
            !page.contains("href=\"//evil.example") && !page.contains("href=\"/\\"),
            "{evil} made an off-site link"
        );
    }
}

db_test!(head_robots_sitemap_and_no_link_off_the_site);

async fn the_privacy_notice_states_the_retention_schedule_in_force(app: &TestApp) {
    // The shipped schedule, in both languages.
    for (lang, evidence, years) in [
        ("zh-CN", "证据材料在事项办结满2年后删除", "办结满 2 年后"),
        (
            "en",
            "Evidence files are deleted 2 years after the matter is concluded",
            "2 years after conclusion",
        ),
    ] {
        let (status, page) = app.get_text(&format!("/privacy?lang={lang}")).await;
        assert_eq!(status, 200);
        crate::helpers::assert_translated(&page);
        assert!(page.contains(evidence) && page.contains(years), "{lang}");
    }
    // An operator's own schedule is what the notice then says.
    let own = r#"
[[rule]]
id = "all"
action = "anonymise"
kinds = []
outcomes = []
after_years = 7
explanation_zh = "所有事项办结满7年后匿名化"
explanation_en = "Every matter is anonymised 7 years after conclusion"
"#;
    mingjing::app::retention::load(&app.store, own, "operator")
        .await
        .unwrap();
    let (_, page) = app.get_text("/privacy?lang=zh-CN").await;
    assert!(
        page.contains("所有事项办结满7年后匿名化") && page.contains("办结满 7 年后"),
        "{}",
        &page[page.find("<table").unwrap_or(0)..]
    );
    assert!(!page.contains("证据材料在事项办结满2年后删除"));
    assert!(page.contains("由管理员于"));
    // Help and the accessibility statement, linked from every page's footer.
    let (status, help) = app.get_text("/help?lang=zh-CN").await;
    assert_eq!(status, 200);
    assert!(
        help.contains("110")
            && help.contains("12309")
            && help.contains("12368")
            && help.contains("12389")
            && help.contains("12348"),
        "every hotline /agencies lists, 12348 included"
    );
    // The privacy notice names every cookie the site sets: each one a
    // visitor's browser is actually given is on it, by name.
    let mut set = std::collections::BTreeSet::new();
    for path in [
        "/?lang=en",
        "/petitions/new/complaint?lang=zh-CN",
        "/track",
        "/staff/login",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        for c in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let name = c.to_str().unwrap().split('=').next().unwrap().to_owned();
            set.insert(name);
        }
    }
    assert!(
        set.contains("lang") && set.contains("mingjing_session"),
        "{set:?}"
    );
    for lang in ["zh-CN", "en"] {
        let (_, page) = app.get_text(&format!("/privacy?lang={lang}")).await;
        for name in &set {
            assert!(
                page.contains(&format!("“{name}”"))
                    || page.contains(&format!("&quot;{name}&quot;"))
                    || page.contains(&format!("\"{name}\"")),
                "{lang}: cookie {name} not on the privacy notice"
            );
        }
    }
    let (status, a11y) = app.get_text("/accessibility?lang=en").await;
    assert_eq!(status, 200);
    crate::helpers::assert_translated(&a11y);
    assert!(a11y.contains("WCAG 2.1"));
    for path in ["/help", "/privacy", "/accessibility"] {
        assert!(
            help.contains(&format!("href=\"{path}\"")),
            "{path} in the footer"
        );
    }
}
db_test!(the_privacy_notice_states_the_retention_schedule_in_force);

/// The agency contact directory is data: the demo's addresses, hours and
/// telephones are on `/agencies` with the national hotline of each kind, an
/// operator's file replaces them (checked whole first: an unknown agency or a
/// phone that is not a phone loads nothing), and the API carries them.
async fn the_contact_directory_is_data_an_operator_loads(app: &TestApp) {
    app.seed_demo().await;
    let (status, page) = app.get_text("/agencies").await;
    assert_eq!(status, 200);
    assert_translated(&page);
    assert!(page.contains("临江市江北区人民法院"), "{page}");
    assert!(
        page.contains("临江市江北区人民路"),
        "a demo address: {page}"
    );
    assert!(page.contains("工作日 9:00–12:00"));
    assert!(page.contains("href=\"tel:12368\"") && page.contains("href=\"tel:12309\""));
    assert!(page.contains("href=\"tel:12389\"") && page.contains("href=\"tel:12348\""));
    assert!(page.contains("请立即拨打 110"));
    let (_, en) = app.get_text("/agencies?lang=en").await;
    assert_translated(&en);
    assert!(
        en.contains("Agency contacts") && en.contains("No. 10 Renmin Road"),
        "{en}"
    );

    let load = |text: &str| {
        let store = app.store.clone();
        let text = text.to_owned();
        async move { mingjing::app::catalogue::load_contacts(&store, &text).await }
    };
    let good = r#"
[[agency]]
code = "lj-jb-court"
address_zh = "临江市江北区滨江大道88号 诉讼服务中心一楼"
address_en = "Litigation service centre, ground floor, No. 88 Binjiang Avenue, Jiangbei"
hours_zh = "周一至周五 8:30–17:00"
hours_en = "Monday to Friday 8:30–17:00"
phone = "0000-6677 8899"
"#;
    // Refused whole: an unknown code, or a phone that is not one.
    let unknown = format!("{good}\n[[agency]]\ncode = \"no-such-body\"\nphone = \"1\"\n");
    assert!(matches!(
        load(&unknown).await,
        Err(mingjing::app::catalogue::ContactsError::UnknownAgency(c)) if c == "no-such-body"
    ));
    let bad_phone = good.replace("0000-6677 8899", "call us");
    assert!(matches!(
        load(&bad_phone).await,
        Err(mingjing::app::catalogue::ContactsError::Invalid { .. })
    ));
    // (The English visit above is remembered: back to Chinese.)
    let (_, page) = app.get_text("/agencies?lang=zh-CN").await;
    assert!(page.contains("临江市江北区人民路"));
    assert!(
        !page.contains("滨江大道88号"),
        "nothing of a refused file is loaded"
    );
    assert_eq!(load(good).await.unwrap(), 1);
    let (_, page) = app.get_text("/agencies").await;
    assert!(
        page.contains("临江市江北区滨江大道88号 诉讼服务中心一楼"),
        "{page}"
    );
    assert!(
        page.contains("href=\"tel:000066778899\""),
        "dialled as digits"
    );
    let agencies: Vec<serde_json::Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let court = agencies
        .iter()
        .find(|a| a["code"] == "lj-jb-court")
        .unwrap();
    assert_eq!(court["contact"]["phone"], "0000-6677 8899");
    assert_eq!(court["contact"]["hours_en"], "Monday to Friday 8:30–17:00");
}
db_test!(the_contact_directory_is_data_an_operator_loads);

/// Before the form: what the kind is for, what to have ready, when the
/// answer comes (the clocks with their citations), 110 — then "Start now";
/// the terms of use say what the portal is not for.
async fn before_you_start_and_the_terms(app: &TestApp) {
    app.seed_demo().await;
    let (status, page) = app.get_text("/petitions/start/litigation").await;
    assert_eq!(status, 200);
    assert_translated(&page);
    assert!(page.contains("提交涉法涉诉信访之前"), "{page}");
    assert!(
        page.contains("案号"),
        "a litigation petition needs its case number"
    );
    assert!(page.contains("15日") && page.contains("60日"), "{page}");
    assert!(
        page.contains("7个工作日") && page.contains("仅限人民检察院"),
        "{page}"
    );
    assert!(page.contains("href=\"/petitions/new/litigation\""));
    let (_, report) = app.get_text("/petitions/start/report?lang=en").await;
    assert_translated(&report);
    assert!(report.contains("You may report anonymously"), "{report}");
    assert!(report.contains("60 days") && report.contains("Start now"));
    assert_eq!(app.get_text("/petitions/start/nonsense").await.0, 404);
    // The kind chooser and the home page lead here.
    let (_, chooser) = app.get_text("/petitions/new").await;
    assert!(chooser.contains("href=\"/petitions/start/report\""));
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("href=\"/petitions/start/complaint\""));
    for lang in ["zh-CN", "en"] {
        let (status, terms) = app.get_text(&format!("/terms?lang={lang}")).await;
        assert_eq!(status, 200);
        assert_translated(&terms);
        assert!(terms.contains("110") && terms.contains("12348"), "{terms}");
    }
    let (_, any) = app.get_text("/help").await;
    assert!(
        any.contains("href=\"/terms\"") && any.contains("href=\"/agencies\""),
        "footer links"
    );
}
db_test!(before_you_start_and_the_terms);

/// A procedure page says where to go (the agency's address, hours and
/// telephone) and offers to complain or report about it with the form
/// filled in; the history shows what each version changed.
async fn a_procedure_says_where_to_go_what_changed_and_how_to_complain(app: &TestApp) {
    app.seed_demo().await;
    let id = first_procedure_titled(app, "治安管理处罚程序").await;
    let (_, page) = app.get_text(&format!("/procedures/{id}")).await;
    assert_translated(&page);
    assert!(
        page.contains("在哪里办理") && page.contains("人民路"),
        "{page}"
    );
    assert!(page.contains("工作日 9:00–12:00"));
    let marker = "href=\"/petitions/new/complaint?agency=";
    let start = page.find(marker).expect("a file-about-this link") + "href=\"".len();
    let link = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(link.ends_with(&format!("&procedure={id}")), "{link}");
    let agency = link
        .trim_start_matches("/petitions/new/complaint?agency=")
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let (status, form) = app.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(
        form.contains(&format!("<option value=\"{agency}\" selected>")),
        "the agency is chosen"
    );
    assert!(
        form.contains("办理事项：治安管理处罚程序"),
        "the subject names the procedure"
    );

    let (_, history) = app.get_text(&format!("/procedures/{id}/versions")).await;
    assert!(history.contains(&format!("/procedures/{id}/versions/2/changes")));
    let (status, changes) = app
        .get_text(&format!("/procedures/{id}/versions/2/changes"))
        .await;
    assert_eq!(status, 200);
    assert_translated(&changes);
    assert!(
        changes.contains("第 2 版修订对照") && changes.contains("法律依据"),
        "{changes}"
    );
    let removed = changes.split("<del>").nth(1).unwrap_or_default();
    let added = changes.split("<ins>").nth(1).unwrap_or_default();
    assert!(
        removed.contains("[删除："),
        "said in words for screen readers"
    );
    assert!(
        changes.contains("<del>") && changes.contains("<ins>") && !added.is_empty(),
        "{changes}"
    );
    // The 2017 citation went, the 2021 one came.
    let removed_text: String = changes
        .split("<del>")
        .skip(1)
        .map(|s| s.split("</del>").next().unwrap())
        .collect();
    let added_text: String = changes
        .split("<ins>")
        .skip(1)
        .map(|s| s.split("</ins>").next().unwrap())
        .collect();
    assert!(
        removed_text.contains("三十一") || removed_text.contains("2017"),
        "{removed_text}"
    );
    assert!(
        added_text.contains("四十四") || added_text.contains("2021"),
        "{added_text}"
    );
    let (_, first) = app
        .get_text(&format!("/procedures/{id}/versions/1/changes?lang=en"))
        .await;
    assert!(
        first.contains("This is the first published version"),
        "{first}"
    );
}
db_test!(a_procedure_says_where_to_go_what_changed_and_how_to_complain);
