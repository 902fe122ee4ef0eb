using MedVox.Learning.Serialization;
using MedVox.Testing;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Serialization;

public class SafeTensorsTests
{
    [Fact]
    public void RoundTripKeepsNamesShapesTypesAndValues()
    {
        using var folder = TestData.CreateTempFolder();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.weight"] = Randn(3, 4, 5),
            ["b.int"] = arange(10, ScalarType.Int64),
            ["c.half"] = Randn(7).to(ScalarType.BFloat16),
            ["d.bytes"] = tensor(new byte[] { 1, 2, 255 }),
        };

        SafeTensors.Save(tensors, folder.File("t.safetensors"), new Dictionary<string, string> { ["format"] = "pt" });
        var loaded = SafeTensors.Load(folder.File("t.safetensors"), out var metadata);

        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            Assert.Equal(expected.dtype, loaded[name].dtype);
            Assert.Equal(expected.shape, loaded[name].shape);
            Assert.True(expected.to(ScalarType.Float64).allclose(loaded[name].to(ScalarType.Float64), rtol: 0, atol: 0), name);
        }
    }

    [Fact]
    public void FileWrittenByAnIndependentWriterLoads()
    {
        TestData.RequirePython("numpy");
        using var folder = TestData.CreateTempFolder();
        string oracles = Path.Combine(AppContext.BaseDirectory, "Oracles");
        ProcessRunner.Python(
            "import sys, numpy as np; sys.path.insert(0, sys.argv[1]); import safetensors_np as s; "
            + "s.save({'x': np.arange(24, dtype=np.float32).reshape(2, 3, 4), 'n': np.array([-5, 7], dtype=np.int16)}, sys.argv[2])",
            oracles,
            folder.File("np.safetensors"));

        using var scope = NewDisposeScope();
        var loaded = SafeTensors.Load(folder.File("np.safetensors"));

        Assert.Equal(new long[] { 2, 3, 4 }, loaded["x"].shape);
        Assert.Equal(23f, loaded["x"][1, 2, 3].item<float>());
        Assert.Equal((short)-5, loaded["n"][0].item<short>());
    }

    [Fact]
    public void TruncatedFileIsAClearError()
    {
        using var folder = TestData.CreateTempFolder();
        using (var scope = NewDisposeScope())
        {
            SafeTensors.Save([new("x", Randn(100))], folder.File("t.safetensors"));
        }

        var bytes = File.ReadAllBytes(folder.File("t.safetensors"));
        File.WriteAllBytes(folder.File("t.safetensors"), bytes[..^10]);

        var error = Assert.Throws<InvalidImageFileException>(() => SafeTensors.Load(folder.File("t.safetensors")));
        Assert.Contains("outside the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotASafetensorsFileIsAClearError()
    {
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("x.safetensors"), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2]);

        var error = Assert.Throws<InvalidImageFileException>(() => SafeTensors.Load(folder.File("x.safetensors")));
        Assert.Contains("header length", error.Message, StringComparison.Ordinal);
    }
}
