using MedVox.Testing;

namespace MedVox.Experiments.Tests;

public sealed class ExperimentDocumentTests
{
    [Fact]
    public void SectionsAreAddedReplacedAndTheRestKept()
    {
        using var temp = TestData.CreateTempFolder();
        string path = Path.Combine(temp.Path, "docs", "experiments.md");
        ExperimentDocument.Update(path, "a", "## A\n\nfirst\n");
        ExperimentDocument.Update(path, "b", "## B\n\nsecond\n");
        File.AppendAllText(path, "\nhand-written note\n");
        ExperimentDocument.Update(path, "a", "## A\n\nrerun\n");
        string text = File.ReadAllText(path);
        Assert.StartsWith("# Experiments", text, StringComparison.Ordinal);
        Assert.DoesNotContain("first", text, StringComparison.Ordinal);
        Assert.Contains("rerun", text, StringComparison.Ordinal);
        Assert.Contains("hand-written note", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("rerun", StringComparison.Ordinal) < text.IndexOf("second", StringComparison.Ordinal), "a section keeps its place");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "<!-- experiment:a -->"));
    }

    [Fact]
    public void TablesEscapePipesAndCheckTheirWidth()
    {
        var table = new MarkdownTable("x", "y").Add("a|b", "c");
        Assert.Contains("a\\|b", table.ToMarkdown(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => table.Add("only one"));
    }
}
