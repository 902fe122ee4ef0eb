using MedVox.Learning.Runtime;

namespace MedVox.Cli.Tests;

public class CommandLineTests
{
    [Fact]
    public void HelpListsTheCommands()
    {
        var (code, output) = CliRunner.Run("--help");

        Assert.Equal(0, code);
        foreach (var command in new[] { "info", "convert", "runtime", "demo" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ParseErrorsAreOneLineAndExitWithTwo()
    {
        var (code, output) = CliRunner.Run("info");

        Assert.Equal(2, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.StartsWith("error: ", output, StringComparison.Ordinal);
        Assert.Contains("medvox info --help", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsOneClearLine()
    {
        var (code, output) = CliRunner.Run("info", "/nonexistent/scan.nii.gz");

        Assert.Equal(1, code);
        Assert.Equal("error: /nonexistent/scan.nii.gz: no such file", output.Trim());
    }

    [Fact]
    public void UnknownFormatNamesTheFile()
    {
        using var folder = MedVox.Testing.TestData.CreateTempFolder();
        string path = folder.File("scan.xyz");
        File.WriteAllText(path, "not an image");

        var (code, output) = CliRunner.Run("info", path);

        Assert.Equal(1, code);
        Assert.Contains("scan.xyz: unknown image format", output, StringComparison.Ordinal);
    }

    [Fact]
    public void VerboseAddsTheStack()
    {
        var (_, quiet) = CliRunner.Run("info", "/nonexistent/scan.nii.gz");
        var (_, verbose) = CliRunner.Run("info", "/nonexistent/scan.nii.gz", "--verbose");

        Assert.DoesNotContain("   at ", quiet, StringComparison.Ordinal);
        Assert.Contains("   at ", verbose, StringComparison.Ordinal);
    }

    [Fact]
    public void RuntimeResolvesTheCpu()
    {
        var (code, output) = CliRunner.Run("runtime", "--device", "cpu");

        Assert.Equal(0, code);
        Assert.Contains("LibTorch 2.", output, StringComparison.Ordinal);
        Assert.Contains("--device cpu -> cpu", output, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaWithoutCudaFailsWithAHint()
    {
        if (TorchRuntime.IsCudaAvailable)
        {
            return;
        }

        var (code, output) = CliRunner.Run("runtime", "--device", "cuda");

        Assert.Equal(1, code);
        Assert.Single(output.Trim().Split('\n'));
        Assert.Contains("LD_LIBRARY_PATH", output, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownDeviceIsAParseError()
    {
        var (code, output) = CliRunner.Run("runtime", "--device", "tpu");

        Assert.Equal(2, code);
        Assert.Contains("use auto, cpu or cuda", output, StringComparison.Ordinal);
    }
}
