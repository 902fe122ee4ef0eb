using MedVox.Testing;

namespace MedVox.IO.Tests;

public class AtomicFileTests
{
    [Fact]
    public void TargetAppearsOnlyOnCommit()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("out.bin");

        using (var file = AtomicFile.Create(path))
        {
            file.Stream.Write([1, 2, 3]);
            Assert.False(File.Exists(path));
            file.Commit();
        }

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void FailedWriteLeavesNoFileAndKeepsTheOldOne()
    {
        using var folder = TestData.CreateTempFolder();
        string path = folder.File("out.bin");
        File.WriteAllBytes(path, [9]);

        void FailingWrite()
        {
            using var file = AtomicFile.Create(path);
            file.Stream.Write([1, 2, 3]);
            throw new InvalidOperationException("writer failed");
        }

        Assert.Throws<InvalidOperationException>(FailingWrite);

        Assert.Equal([9], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder.Path));
    }
}
