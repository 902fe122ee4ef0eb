namespace MedVox.Experiments;

/// <summary>A table with a header row, written as GitHub Markdown (pipes in cells escaped).</summary>
public sealed class MarkdownTable(params string[] columns)
{
    private readonly List<string[]> _rows = [];

    public IReadOnlyList<string> Columns { get; } = columns;

    public IReadOnlyList<IReadOnlyList<string>> Rows => _rows;

    public MarkdownTable Add(params string[] cells)
    {
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException($"A row needs {Columns.Count} cells, got {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    public string ToMarkdown()
    {
        var text = new System.Text.StringBuilder();
        Line(text, Columns);
        text.Append('|');
        for (int i = 0; i < Columns.Count; i++)
        {
            text.Append("---|");
        }

        text.AppendLine();
        foreach (var row in _rows)
        {
            Line(text, row);
        }

        return text.ToString();
    }

    private static void Line(System.Text.StringBuilder text, IReadOnlyList<string> cells)
    {
        text.Append('|');
        foreach (string cell in cells)
        {
            text.Append(' ').Append(cell.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |");
        }

        text.AppendLine();
    }
}
