using System.Text.Json;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Serialization;
using MedVox.Testing;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Networks;

public class UNetTests
{
    private static UNetConfig Small3D(bool residual = false, bool deepSupervision = false) => new()
    {
        Dimensions = 3,
        InputChannels = 1,
        Classes = 3,
        Features = [4, 8, 16],
        Kernels = [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
        Strides = [[1, 1, 1], [2, 2, 2], [2, 2, 2]],
        EncoderBlocks = residual ? [1, 2, 2] : [2, 2, 2],
        ResidualEncoder = residual,
        DeepSupervision = deepSupervision,
    };

    [Fact]
    public void ThreeDimensionalLogitsHaveTheInputResolution()
    {
        using var scope = NewDisposeScope();
        using var net = new UNet(Small3D());

        var logits = net.forward(Randn(2, 1, 16, 12, 8));

        Assert.Equal(new long[] { 2, 3, 16, 12, 8 }, logits.shape);
    }

    [Fact]
    public void TwoDimensionalNetworkComesFromTheSameImplementation()
    {
        using var scope = NewDisposeScope();
        var config = UNetConfig.ForPatch([32, 48], [0.8, 0.8], inputChannels: 2, classes: 4, baseFeatures: 4, maxFeatures: 16);
        using var net = new UNet(config);

        var logits = net.forward(Randn(1, 2, 32, 48));

        Assert.Equal(2, config.Dimensions);
        Assert.Equal(new long[] { 1, 4, 32, 48 }, logits.shape);
    }

    [Fact]
    public void ThickSlicesKeepTheirResolutionUntilTheInPlaneAxesCatchUp()
    {
        // 5 mm slices, 0.8 mm in-plane: z is neither convolved nor downsampled until in-plane spacing reaches 3.2 mm.
        var config = UNetConfig.ForPatch([16, 64, 64], [5.0, 0.8, 0.8], 1, 2, baseFeatures: 4, maxFeatures: 16);

        Assert.Equal([1, 3, 3], config.Kernels[0]);
        Assert.Equal([1, 2, 2], config.Strides[1]);
        Assert.Equal([1, 2, 2], config.Strides[2]);
        Assert.Equal(3, config.Kernels[3][0]);

        using var scope = NewDisposeScope();
        using var net = new UNet(config);
        var total = config.TotalStride();
        var input = Randn(1, 1, total[0], 2 * total[1], 2 * total[2]);
        Assert.Equal(new long[] { 1, 2, total[0], 2 * total[1], 2 * total[2] }, net.forward(input).shape);
    }

    [Fact]
    public void DeepSupervisionGivesOneOutputPerDecoderStage()
    {
        using var scope = NewDisposeScope();
        using var net = new UNet(Small3D(deepSupervision: true));

        var outputs = net.ForwardAll(Randn(1, 1, 16, 16, 16));

        Assert.Equal(2, outputs.Length);
        Assert.Equal(new long[] { 1, 3, 16, 16, 16 }, outputs[0].shape);
        Assert.Equal(new long[] { 1, 3, 8, 8, 8 }, outputs[1].shape);
    }

    [Fact]
    public void InputsThatDoNotFitAreRejectedWithTheReason()
    {
        using var scope = NewDisposeScope();
        using var net = new UNet(Small3D());

        Assert.Contains("rank 5", Assert.Throws<ArgumentException>(() => net.forward(Randn(1, 16, 16, 16))).Message, StringComparison.Ordinal);
        Assert.Contains("input channel", Assert.Throws<ArgumentException>(() => net.forward(Randn(1, 2, 16, 16, 16))).Message, StringComparison.Ordinal);
        Assert.Contains("multiple of the total stride", Assert.Throws<ArgumentException>(() => net.forward(Randn(1, 1, 16, 16, 10))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParameterNamesAreThoseOfTheEquivalentPyTorchModule()
    {
        using var net = new UNet(Small3D(residual: true));

        var names = net.state_dict().Keys.ToHashSet();

        Assert.Contains("encoder.0.0.conv1.conv.weight", names);
        Assert.Contains("encoder.1.0.skip.proj.norm.weight", names);
        Assert.Contains("upsample.0.weight", names);
        Assert.Contains("decoder.1.0.conv.bias", names);
        Assert.Contains("heads.0.weight", names);
        Assert.DoesNotContain(names, n => n.Contains('_', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(3, false, false, 4)]
    [InlineData(3, false, false, 12)]
    [InlineData(3, true, false, 12)]
    [InlineData(3, false, true, 16)]
    [InlineData(2, false, true, 4)]
    [InlineData(2, false, false, 12)]
    public void InferenceGivesTheTrainingForwardsLogitsAndReleasesEveryMap(int dimensions, bool residual, bool deepSupervision, int width)
    {
        // Without autograd the decoder disposes each map after its last use, and stages of 12 channels or more convolve
        // without concatenating (width 4: every stage concatenates; 12 and 16: every stage splits).
        var config = dimensions == 3
            ? Small3D(residual, deepSupervision) with { Features = [width, 2 * width, 2 * width] }
            : UNetConfig.ForPatch([16, 24], [1.0, 1.0], inputChannels: 2, classes: 3, baseFeatures: width, maxFeatures: 4 * width, deepSupervision: deepSupervision);
        using var net = new UNet(config);
        net.eval();
        using var input = dimensions == 3 ? Randn(2, 1, 16, 8, 8) : Randn(2, 2, 16, 24);
        long before = TensorAccounting.LiveTensors;
        using var scope = NewDisposeScope();

        var recorded = net.ForwardAll(input);
        Tensor[] inferred;
        using (no_grad())
        {
            inferred = net.ForwardAll(input);
        }

        Assert.Equal(recorded.Length, inferred.Length);
        for (int i = 0; i < recorded.Length; i++)
        {
            Assert.Equal(recorded[i].shape, inferred[i].shape);
            Assert.True(allclose(recorded[i], inferred[i], rtol: 1e-4, atol: 1e-5), $"output {i} differs by {(recorded[i] - inferred[i]).abs().max().item<float>()}");
        }

        // The caller's input is untouched, and only the outputs remain.
        Assert.False(input.IsInvalid);
        scope.Dispose();
        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    [Fact]
    public void ResidualEncoderRunsInBFloat16OnTheCpu()
    {
        // Its strided shortcut pools; LibTorch 2.10's CPU avg_pool3d has no bf16 kernel, so this used to throw.
        using var scope = NewDisposeScope();
        using var net = TorchRuntime.CreateSeeded(7, () => new UNet(Small3D(residual: true)));
        net.eval();
        var input = Randn(1, 1, 16, 8, 8);
        using var noGrad = no_grad();
        var full = net.forward(input);
        TorchSharp.ModuleExtensionMethods.to(net, ScalarType.BFloat16);

        var half = net.forward(input.to(ScalarType.BFloat16)).to(ScalarType.Float32);

        Assert.True(half.allclose(full, rtol: 0.05, atol: 0.05), $"bf16 differs by {(half - full).abs().max().item<float>()}");
    }

    [Fact]
    public void TrainingStepsReleaseEveryTensor()
    {
        using var net = new UNet(Small3D(residual: true));
        using var optimizer = optim.SGD(net.parameters(), 0.01, momentum: 0.9, nesterov: true);
        using var target = zeros([1, 8, 8, 8], ScalarType.Int64);
        long before = TensorAccounting.LiveTensors;

        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.forward(Randn(1, 1, 8, 8, 8)), target);
            loss.backward();
            optimizer.step();
        }

        // The first step creates one momentum buffer per parameter, which the optimizer keeps; nothing else may remain.
        Step();
        Assert.Equal(before + net.parameters().Count(), TensorAccounting.LiveTensors);
        for (int step = 0; step < 10; step++)
        {
            Step();
        }

        Assert.Equal(before + net.parameters().Count(), TensorAccounting.LiveTensors);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PyTorchComputesTheSameLogitsWithOurWeightsAndWeWithItsWeights(bool residual)
    {
        string python = TestData.RequirePython("torch", "numpy");
        using var folder = TestData.CreateTempFolder();
        var config = Small3D(residual);
        File.WriteAllText(folder.File("config.json"), JsonSerializer.Serialize(config));
        string oracle = Path.Combine(AppContext.BaseDirectory, "Oracles", "unet_oracle.py");

        using var scope = NewDisposeScope();
        manual_seed(7);
        var input = Randn(2, 1, 8, 8, 8);
        SafeTensors.Save([new("input", input)], folder.File("input.safetensors"));

        // Direction 1: our random weights, PyTorch computes.
        using var net = new UNet(config);
        net.eval();
        net.SaveWeights(folder.File("ours.safetensors"));
        Run(python, oracle, folder.File("config.json"), folder.File("ours.safetensors"), folder.File("input.safetensors"), folder.File("theirs_out.safetensors"));
        Tensor ours;
        using (no_grad())
        {
            ours = net.forward(input);
        }

        var theirs = SafeTensors.Load(folder.File("theirs_out.safetensors"))["output"];
        Assert.True(ours.allclose(theirs, rtol: 1e-4, atol: 1e-4), $"max difference {(ours - theirs).abs().max().item<float>()}");

        // Direction 2: PyTorch's own initialisation, written by PyTorch, loaded by us.
        Run(python, oracle, folder.File("config.json"), "-", folder.File("input.safetensors"), folder.File("py_out.safetensors"), folder.File("py_weights.safetensors"));
        net.LoadWeights(folder.File("py_weights.safetensors"));
        using (no_grad())
        {
            ours = net.forward(input);
        }

        theirs = SafeTensors.Load(folder.File("py_out.safetensors"))["output"];
        Assert.True(ours.allclose(theirs, rtol: 1e-4, atol: 1e-4), $"max difference {(ours - theirs).abs().max().item<float>()}");
    }

    private static void Run(string python, params string[] arguments)
    {
        var (code, _, error) = ProcessRunner.Run(python, arguments);
        Assert.True(code == 0, error);
    }
}
