using System.Text.Json;
using MedVox.Testing;

namespace MedVox.Cli.Tests;

public class SlideCommandTests
{
    [Fact]
    public void PhantomSlideThenInfoThenTrainThenPredict()
    {
        using var folder = TestData.CreateTempFolder();
        string slide = folder.File("slide.tiff");

        var (code, output) = CliRunner.Run("phantom", "slide", "--width", "1536", "--height", "1024", "--tile", "256", "--out", slide, "--seed", "7");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(slide), output);
        Assert.True(File.Exists(folder.File("slide.mask.tiff")), output);
        Assert.Contains("tumour", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("wsi", "info", slide);
        Assert.True(code == 0, output);
        Assert.Contains("tiff (libtiff.net)", output, StringComparison.Ordinal);
        Assert.Contains("microns per pixel: 0.5 x 0.5", output, StringComparison.Ordinal);
        Assert.Matches(@"│ 1\s+│ 768\s+│ 512\s+│ 2\s+│ 256x256", output);

        (code, output) = CliRunner.Run("wsi", "train", "--slide", slide, "--out", folder.File("model"), "--level", "1", "--iterations", "3", "--patch", "64", "--batch", "2", "--device", "cpu");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(folder.File("model/model.json")), output);
        Assert.True(File.Exists(folder.File("model/weights.safetensors")), output);

        (code, output) = CliRunner.Run("wsi", "predict", "--model", folder.File("model"), "--in", slide, "--out", folder.File("out"), "--tile", "128", "--overlap", "16", "--truth", folder.File("slide.mask.tiff"), "--device", "cpu");
        Assert.True(code == 0, output);
        Assert.Contains("tiles/s", output, StringComparison.Ordinal);
        Assert.Contains("tumour area:", output, StringComparison.Ordinal);
        Assert.True(File.Exists(folder.File("out/probability.tiff")));
        Assert.True(File.Exists(folder.File("out/heatmap.png")));
        using var summary = JsonDocument.Parse(File.ReadAllText(folder.File("out/summary.json")));
        Assert.Equal(1, summary.RootElement.GetProperty("Level").GetInt32());
        Assert.True(summary.RootElement.GetProperty("TilesProcessed").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Number, summary.RootElement.GetProperty("Dice").ValueKind);

        // 1536x1024 in 256-pixel tiles: levels of 1536, 768 and 384 pixels across.
        (code, output) = CliRunner.Run("wsi", "predict", "--model", folder.File("model"), "--in", slide, "--out", folder.File("out"), "--tile", "128", "--overlap", "16", "--level", "9");
        Assert.Equal(1, code);
        Assert.Contains("level 9 is out of range: the slide has 3 level(s), 0 to 2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BadSlideInputGivesOneLineErrors()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllText(folder.File("notes.txt"), "not a slide");

        var (code, output) = CliRunner.Run("wsi", "info", folder.File("notes.txt"));
        Assert.Equal(1, code);
        Assert.StartsWith("error: ", output, StringComparison.Ordinal);
        Assert.Single(output.Trim().Split('\n'));

        (code, output) = CliRunner.Run("wsi", "predict", "--model", folder.Path, "--in", folder.File("notes.txt"), "--out", folder.File("o"));
        Assert.Equal(1, code);
        Assert.Contains("no model.json in the model folder", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("phantom", "slide", "--width", "10", "--height", "10", "--out", folder.File("s.tiff"));
        Assert.Equal(1, code);
        Assert.Contains("width and height must be 64 to 1000000", output, StringComparison.Ordinal);

        (code, output) = CliRunner.Run("phantom", "slide", "--out", folder.File("s.tiff"), "--compression", "lzw");
        Assert.Equal(1, code);
        Assert.Contains("unknown tile compression 'lzw'", output, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("s.tiff")));
    }
}
