namespace MedVox.Experiments;

/// <summary>
/// What an experiment produced: its table (our results and, marked as such, published real-data figures as context),
/// a line of settings, notes, and files written beside it (curves, plots).
/// </summary>
public sealed record ExperimentResult(string Name, string Title, MarkdownTable Table, string Settings, IReadOnlyList<string> Notes, IReadOnlyList<string> Files)
{
    /// <summary>The section for docs/experiments.md: title, provenance line, table and notes.</summary>
    public string ToMarkdown(string provenance)
    {
        var text = new System.Text.StringBuilder();
        text.Append("## ").Append(Title).Append(" (`medvox experiment ").Append(Name).AppendLine("`)").AppendLine();
        text.AppendLine(provenance).AppendLine();
        text.Append("Settings: ").AppendLine(Settings).AppendLine();
        text.Append(Table.ToMarkdown()).AppendLine();
        foreach (string note in Notes)
        {
            text.AppendLine(note).AppendLine();
        }

        return text.ToString().TrimEnd() + Environment.NewLine;
    }
}
