using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Tests.Networks;
using MedVox.Learning.Training;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Training;

public class ActivationCheckpointTests
{
    [Fact]
    public void GradientsOfAFunctionOfTwoInputsEqualThoseWithoutCheckpointing()
    {
        using var scope = NewDisposeScope();
        var a = Randn(3, 4).requires_grad_(true);
        var b = Randn(3, 4).requires_grad_(true);
        static Tensor F(Tensor[] t) => (t[0].sin() * t[1]).exp().sum(1);

        F([a, b]).sum().backward();
        var (ga, gb) = (a.grad!.clone(), b.grad!.clone());
        a.grad!.zero_();
        b.grad!.zero_();
        ActivationCheckpoint.Apply(F, a, b).sum().backward();

        Assert.True(a.grad!.allclose(ga, rtol: 1e-6, atol: 1e-7));
        Assert.True(b.grad!.allclose(gb, rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void PerSampleRecomputationGivesTheGradientsOfTheWholeBatch()
    {
        using var scope = NewDisposeScope();
        manual_seed(61);
        var weight = Randn(4, 4).requires_grad_(true);
        var a = Randn(3, 4).requires_grad_(true);
        var b = Randn(3, 4);
        var upstream = Randn(3, 4);

        // Rows are samples: each output row depends on its own input rows and the shared weight only.
        Tensor F(Tensor[] t) => (t[0].matmul(weight).tanh() * t[1]).exp();
        F([a, b]).backward([upstream]);
        var (ga, gw) = (a.grad!.clone(), weight.grad!.clone());
        a.grad!.zero_();
        weight.grad!.zero_();
        var output = ActivationCheckpoint.Apply(F, perSample: true, a, b);
        Assert.True(output.allclose(F([a, b]).detach(), rtol: 1e-6, atol: 1e-7));
        output.backward([upstream]);

        Assert.True(a.grad!.allclose(ga, rtol: 1e-5, atol: 1e-6));
        Assert.True(weight.grad!.allclose(gw, rtol: 1e-5, atol: 1e-6), "the shared parameter's gradient is the sum over the samples");
        Assert.Throws<ArgumentException>(() => ActivationCheckpoint.Apply(F, perSample: true, a, Randn(2, 4)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ABlockOnTwoMapsEqualsTheBlockOnTheirConcatenation(int dims)
    {
        using var scope = NewDisposeScope();
        int[] three = [.. Enumerable.Repeat(3, dims)];
        int[] one = [.. Enumerable.Repeat(1, dims)];
        using var block = new ConvNormAct(dims, 6, 4, three, one);
        long[] spatial = [.. Enumerable.Repeat(6L, dims)];
        var a = Randn([2, 4, .. spatial]);
        var b = Randn([2, 2, .. spatial]);

        var expected = block.forward(cat([a, b], dim: 1));
        var split = block.ForwardConcatenated(a, b);

        Assert.True(split.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max difference {(split - expected).abs().max().item<float>()}");
        Assert.Throws<ArgumentException>(() => block.ForwardConcatenated(a, a));
    }

    [Fact]
    public void UNetGradientsWithCheckpointingEqualThoseWithout()
    {
        manual_seed(62);
        using var net = new UNet(UNetGradients.Small3D(residual: true));
        using var scope = NewDisposeScope();
        var (plain, checkpointed) = UNetGradients.BeforeAndAfter(net, n => n.ActivationCheckpointing = true);
        for (int i = 0; i < plain.Count; i++)
        {
            var expected = plain[i].Gradient;
            Assert.True(checkpointed[i].allclose(expected, rtol: 1e-4, atol: 1e-6), $"{plain[i].Name}: max difference {(checkpointed[i] - expected).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void EveryDeepSupervisionHeadGivesTheSameLogitsAndGradientsWithCheckpointing()
    {
        // The full-resolution head is recomputed inside the last decoder stage; the others run on stage outputs.
        manual_seed(63);
        using var net = new UNet(UNetGradients.Small3D(residual: false) with { DeepSupervision = true });
        using var scope = NewDisposeScope();
        var input = Randn(2, 1, 8, 8, 8);
        var target = randint(0, 3, [2, 8, 8, 8]);
        Tensor[] Pass()
        {
            net.zero_grad();
            var outputs = net.ForwardAll(input);
            var loss = zeros(1);
            for (int h = 0; h < outputs.Length; h++)
            {
                var scaled = nn.functional.interpolate(target.unsqueeze(1).to(ScalarType.Float32), size: [.. outputs[h].shape.Skip(2)], mode: InterpolationMode.Nearest);
                loss += nn.functional.cross_entropy(outputs[h], scaled.squeeze(1).to(ScalarType.Int64)) / (h + 1);
            }

            loss.backward();
            return [.. outputs.Select(o => o.detach()), .. net.parameters().Select(p => p.grad!.clone())];
        }

        var plain = Pass();
        net.ActivationCheckpointing = true;
        var checkpointed = Pass();

        Assert.Equal(2, net.ForwardAll(input).Length);
        Assert.Equal(plain.Length, checkpointed.Length);
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.True(checkpointed[i].allclose(plain[i], rtol: 1e-4, atol: 1e-6), $"tensor {i}: max difference {(checkpointed[i] - plain[i]).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void TorchSharpStillHasTheFieldThatCustomNodesReleaseTheirSavedTensorsThrough()
    {
        // Without it custom nodes keep their saved tensors (stage inputs, logits, norm outputs) until the step ends.
        Assert.True(CustomNodeMemory.IsSupported, "TorchSharp's private autograd field changed: see CustomNodeMemory");
    }

    [Fact]
    public void CheckpointedStepsReleaseEveryTensorWithTheirScope()
    {
        var config = new UNetConfig
        {
            Dimensions = 2,
            Classes = 2,
            Features = [4, 8],
            Kernels = [[3, 3], [3, 3]],
            Strides = [[1, 1], [2, 2]],
            EncoderBlocks = [2, 2],
        };
        using var net = new UNet(config) { ActivationCheckpointing = true };
        using var target = zeros([2, 8, 8], ScalarType.Int64);
        long before = TensorAccounting.LiveTensors;

        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            nn.functional.cross_entropy(net.forward(Randn(2, 1, 8, 8)), target).backward();
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }
}
