namespace MedVox.IO.Tests;

/// <summary>Checks that bad input ends in a one-line MedVox error naming the file and the field.</summary>
internal static class Rejection
{
    /// <summary>Reads <paramref name="path"/> (pixels and, separately, the header alone when <paramref name="headerToo"/>) and checks the error.</summary>
    public static MedVoxException Read(string path, string? field, bool headerToo = true)
    {
        var error = Check(() => ImageFile.Read(path).Dispose(), path, field);
        if (headerToo)
        {
            Check(() => ImageFile.ReadHeader(path), path, field);
        }

        return error;
    }

    /// <summary>Reads the pixels only (for problems the header alone does not show).</summary>
    public static MedVoxException ReadPixels(string path, string? field) => Check(() => ImageFile.Read(path).Dispose(), path, field);

    private static MedVoxException Check(Action action, string path, string? field)
    {
        var error = Assert.ThrowsAny<MedVoxException>(action);
        Assert.True(error is InvalidImageFileException or UnsupportedFormatException, $"{error.GetType().Name}: {error.Message}");
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
        Assert.Contains(Path.GetFileName(path), error.Message, StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.True(field == error.Field, $"expected field {field}, got {error.Field}: {error.Message}");
        }

        return error;
    }
}
