using Xunit;

namespace MedVox.Testing;

/// <summary>
/// Locates real test files from Debian packages (fetched by .ci/fetch-testdata into .testdata/) and external tools used
/// as oracles. Outside CI a missing file or tool skips the test with a note on how to get it; under CI=true it fails,
/// so that no conformance test is skipped silently there.
/// </summary>
public static class TestData
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRoot);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Root => RepositoryRoot.Value;

    /// <summary>A fresh, empty folder under the system temp folder, deleted when disposed.</summary>
    public static TempFolder CreateTempFolder() => new();

    /// <summary>The folder <paramref name="relative"/> inside the extracted Debian package <paramref name="package"/>.</summary>
    public static string DebianPackage(string package, string relative)
    {
        string path = Path.Combine(Root, ".testdata", package, relative);
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            Unavailable($"test data from Debian package {package} is missing ({path})", "run .ci/fetch-testdata");
        }

        return path;
    }

    /// <summary>nibabel's test data folder (python3-nibabel 5.0.0).</summary>
    public static string NibabelData => DebianPackage("python3-nibabel", "usr/lib/python3/dist-packages/nibabel/tests/data");

    /// <summary>pydicom's test files folder (python3-pydicom 2.3.1).</summary>
    public static string PydicomData => DebianPackage("python3-pydicom", "usr/lib/python3/dist-packages/pydicom/data/test_files");

    /// <summary>The full path of an external program on PATH; skips (or fails under CI) when absent.</summary>
    public static string RequireTool(string name, string debianPackage)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Unavailable($"tool {name} is not installed", $"apt-get install {debianPackage}");
        return name;
    }

    /// <summary>Debian's python3 with the modules named; skips (or fails under CI) when a module is missing.</summary>
    public static string RequirePython(params string[] modules)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Unavailable("/usr/bin/python3 is not installed", "apt-get install python3");
        }

        foreach (var module in modules)
        {
            var (code, _, _) = ProcessRunner.Run(python, ["-c", $"import {module}"]);
            if (code != 0)
            {
                Unavailable($"python module {module} is not installed", $"apt-get install python3-{module}");
            }
        }

        return python;
    }

    private static void Unavailable(string what, string fix)
    {
        if (IsCi)
        {
            Assert.Fail($"{what}; under CI=true conformance tests must run: {fix}");
        }

        Assert.Skip($"{what}: {fix}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MedVox.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MedVox.sln not found above the test binaries.");
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "medvox-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
