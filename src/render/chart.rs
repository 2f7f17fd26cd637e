//! Charts drawn on the server as SVG: no JavaScript, nothing fetched. Each
//! chart is an image with a title and a description for screen readers, and
//! every page that shows one shows the same figures in a table beside it.

use std::fmt::Write;

/// One bar: its label (a month) and its value; none for "not enough data".
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart, `id` unique on the page. `percent` shows values (shares) as %.
/// A bar without a value is drawn as a labelled gap — a dashed outline and
/// `gap` (e.g. "fewer than 5") — never as an empty slot that reads as zero.
pub fn bars(
    id: &str,
    title: &str,
    description: &str,
    bars: &[Bar],
    percent: bool,
    gap: &str,
) -> String {
    const W: f64 = 640.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 48.0;
    const BOTTOM: f64 = 36.0;
    const TOP: f64 = 16.0;
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let max = bars.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max);
    // Shares are drawn against 100 %; counts against their largest (an empty chart against 1).
    let max = if percent || max <= 0.0 { 1.0 } else { max };
    let n = bars.len().max(1) as f64;
    let slot = plot_w / n;
    let bar_w = (slot * 0.6).max(2.0);
    let label = |v: f64| {
        if percent {
            format!("{:.0}%", v * 100.0)
        } else if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(description)
    );
    // The axis and two gridlines, labelled.
    for (frac, y) in [(0.0, TOP + plot_h), (0.5, TOP + plot_h / 2.0), (1.0, TOP)] {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#c9ced6" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#3d4450">{}</text>"##,
            W - 8.0,
            LEFT - 6.0,
            y + 4.0,
            escape(&label(max * frac))
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        if let Some(v) = b.value {
            let h = (v / max).clamp(0.0, 1.0) * plot_h;
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{:.1}" width="{bar_w:.1}" height="{h:.1}" fill="#1d4f91"><title>{}: {}</title></rect>"##,
                TOP + plot_h - h,
                escape(&b.label),
                escape(&label(v))
            );
        } else {
            let _ = write!(
                svg,
                r##"<g class="chart-gap"><rect x="{x:.1}" y="{TOP:.1}" width="{bar_w:.1}" height="{plot_h:.1}" fill="none" stroke="#8a919c" stroke-width="1" stroke-dasharray="3 3"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#3d4450">{}</text></g>"##,
                escape(&b.label),
                escape(gap),
                x + bar_w / 2.0,
                TOP + plot_h - 4.0,
                escape(if gap.chars().count() <= 4 { gap } else { "…" })
            );
        }
        // Every other label when there are many bars, so they never overlap.
        if bars.len() <= 12 || i % 2 == 0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#3d4450">{}</text>"##,
                x + bar_w / 2.0,
                H - BOTTOM + 16.0,
                escape(b.label.get(2..).unwrap_or(&b.label))
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_an_accessible_image_with_one_bar_per_value() {
        let svg = bars(
            "t",
            "收件 <趋势>",
            "每月收件数",
            &[
                Bar {
                    label: "2026-10".into(),
                    value: Some(3.0),
                },
                Bar {
                    label: "2026-11".into(),
                    value: None,
                },
                Bar {
                    label: "2026-12".into(),
                    value: Some(6.0),
                },
            ],
            false,
            "不足5件",
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"t-title\">收件 &lt;趋势&gt;</title>"));
        assert_eq!(
            svg.matches(r##"fill="#1d4f91""##).count(),
            2,
            "no bar without data"
        );
        assert!(
            svg.contains("<title>2026-11: 不足5件</title>"),
            "the month without data is a labelled gap, not a 0 bar"
        );
        assert!(svg.contains("2026-12: 6"));
    }
}
