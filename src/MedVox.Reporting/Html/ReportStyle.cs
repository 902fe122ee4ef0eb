namespace MedVox.Reporting.Html;

/// <summary>The report's inline style sheet: system fonts, light background, compact numeric tables.</summary>
internal static class ReportStyle
{
    public const string Css = """

        :root { color-scheme: light; }
        body { margin: 0; background: #f4f6f9; color: #1d2733; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
        main { max-width: 1400px; margin: 0 auto; padding: 24px 32px 48px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid #d5dce5; }
        h3 { font-size: 16px; margin: 22px 0 6px; }
        .lead { margin: 0 0 10px; color: #4a5868; }
        nav a { display: inline-block; margin: 0 6px 6px 0; padding: 2px 10px; border-radius: 12px; background: #e3e9f1; color: #24456b; text-decoration: none; font-size: 13px; }
        nav a:hover { background: #cfdbea; }
        ul.notes { margin: 0; padding-left: 20px; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
        .problems { background: #fff4f1; border: 1px solid #f0b7aa; border-left: 6px solid #d2452f; border-radius: 4px; padding: 4px 18px 10px; margin-top: 24px; }
        .problems h2 { border: none; margin: 8px 0 4px; color: #a2301f; }
        .warning { background: #fff8e6; border-left: 4px solid #e0a400; padding: 6px 12px; }
        .muted { color: #5b6878; font-size: 13px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; background: #fff; font-size: 13px; margin: 6px 0 14px; box-shadow: 0 1px 2px rgba(20, 40, 70, .08); }
        th, td { padding: 4px 10px; border-bottom: 1px solid #e5e9ef; text-align: left; white-space: nowrap; vertical-align: top; }
        thead th { background: #edf1f6; font-weight: 600; position: sticky; top: 0; }
        tbody th { font-weight: 600; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .sub { display: block; color: #6b7785; font-size: 11px; }
        .unit { display: block; color: #6b7785; font-size: 11px; font-weight: 400; }
        tr.total th, tr.total td { border-top: 2px solid #c9d2dd; background: #f8fafc; }
        tr.first th, tr.first td { border-top: 1px solid #c9d2dd; }
        tr.skipped td, tr.skipped th { background: #fff4f1; color: #a2301f; }
        td.diagonal { background: #e8f3e8; font-weight: 600; }
        .tag { display: inline-block; margin-left: 6px; padding: 1px 8px; border-radius: 10px; background: #e3e9f1; color: #34506e; font-size: 12px; font-weight: 500; }
        .figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
        figure { margin: 0; background: #fff; padding: 8px; border-radius: 4px; box-shadow: 0 1px 2px rgba(20, 40, 70, .08); max-width: 100%; }
        figure img { display: block; max-width: 100%; height: auto; }
        figcaption { color: #5b6878; font-size: 12px; margin-top: 4px; max-width: 560px; }
        article.case { background: #fff; border-radius: 6px; padding: 4px 16px 8px; margin: 14px 0; box-shadow: 0 1px 2px rgba(20, 40, 70, .08); }
        .panels { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
        .panel { background: #111; padding: 0; box-shadow: none; }
        .panel figcaption { background: #fff; padding: 3px 0 0; margin: 0; }
        ul.legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; }
        ul.legend li { white-space: nowrap; }
        ul.legend li.key { color: #5b6878; width: 100%; }
        svg.swatch { vertical-align: middle; margin-right: 3px; }
        details.definitions { margin: 4px 0 0; color: #4a5868; font-size: 13px; }
        details.definitions summary { cursor: pointer; }
        footer { margin-top: 40px; color: #8a95a3; font-size: 12px; }

        """;
}
