using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Testing;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Training;

public class FlatOptimizerTests
{
    private static UNet Network() => new(new UNetConfig
    {
        Dimensions = 2,
        Classes = 3,
        Features = [4, 8],
        Kernels = [[3, 3], [3, 3]],
        Strides = [[1, 1], [2, 2]],
        EncoderBlocks = [2, 2],
    });

    /// <summary>Backward pass of a fixed quadratic loss of the network's output (gradients differ from step to step as the weights move).</summary>
    private static void Backward(UNet network, Tensor input)
    {
        using var scope = NewDisposeScope();
        network.zero_grad();
        network.forward(input.to(network.parameters().First().dtype)).to(ScalarType.Float32).square().mean().backward();
    }

    /// <summary>
    /// Five steps with a changing learning rate move every weight as TorchSharp's per-parameter SGD (Nesterov, weight
    /// decay) and AdamW do, from the same start.
    /// </summary>
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void UpdatesEveryParameterAsTorchSharpsOptimizerDoes(OptimizerKind kind)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var ours = Network();
        using var theirs = Network();
        theirs.load_state_dict(ours.state_dict());
        var input = randn(2, 1, 16, 16);
        var options = new TrainingOptions { Optimizer = kind, LearningRate = 0.05, WeightDecay = 1e-2 };
        using var flat = new FlatParameters(ours, bfloat16: false);
        using var optimizer = new FlatOptimizer(flat, options);
        using var reference = kind == OptimizerKind.AdamW
            ? (OptimizerHelper)optim.AdamW(theirs.parameters(), options.LearningRate, weight_decay: options.WeightDecay)
            : optim.SGD(theirs.parameters(), options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay, nesterov: true);
        for (int step = 0; step < 5; step++)
        {
            double lr = options.LearningRate * (1 - (step / 5.0));
            optimizer.LearningRate = lr;
            foreach (var group in reference.ParamGroups)
            {
                group.LearningRate = lr;
            }

            Backward(ours, input);
            Backward(theirs, input);
            using (var stepScope = NewDisposeScope())
            {
                optimizer.Step(flat.GatherGradients());
                reference.step();
            }
        }

        var expected = theirs.state_dict();
        foreach (var (name, tensor) in ours.state_dict())
        {
            Assert.True(tensor.allclose(expected[name], rtol: 1e-6, atol: 1e-9), $"{name}: largest difference {(tensor - expected[name]).abs().max().item<float>()}");
        }

        Assert.Equal(5, optimizer.Steps);
    }

    /// <summary>The parameters stay the network's (registered, trained by autograd) and become views of one buffer.</summary>
    [Fact]
    public void ParametersBecomeViewsOfOneBuffer()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var network = Network();
        var before = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var flat = new FlatParameters(network, bfloat16: false);
        Assert.Equal(network.parameters().Sum(p => p.numel()), flat.Count);
        foreach (var (name, parameter) in network.named_parameters())
        {
            Assert.True(Same(parameter, before[name]), $"{name} changed");
            Assert.True(parameter.requires_grad);
        }

        // Writing the buffer writes the network's weights.
        using (no_grad())
        {
            flat.Master.fill_(0.25);
        }

        Assert.All(network.parameters(), p => Assert.Equal(0.25f, p.max().item<float>()));

        // Gradients come back in the buffer's layout, in named_parameters order.
        Backward(network, randn(1, 1, 16, 16));
        var gradient = flat.GatherGradients();
        var names = network.named_parameters().ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(flat.Names[i], names[i].name);
            Assert.True(Same(flat.View(gradient, i), names[i].parameter.grad!), names[i].name);
        }
    }

    /// <summary>
    /// In bf16 the network holds bf16 weights, the optimiser float32 masters; after a step the network's weights are
    /// the masters rounded to bf16, and the gathered gradient is the bf16 gradient widened.
    /// </summary>
    [Fact]
    public void BFloat16NetworkFollowsItsFloat32Masters()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var network = Network();
        var original = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var flat = new FlatParameters(network, bfloat16: true);
        using var optimizer = new FlatOptimizer(flat, new TrainingOptions { LearningRate = 0.1 });
        Assert.All(network.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.Equal(ScalarType.Float32, flat.Master.dtype);
        for (int i = 0; i < flat.Names.Count; i++)
        {
            Assert.True(Same(flat.MasterParameters[i], original[flat.Names[i]].to(ScalarType.BFloat16).to(ScalarType.Float32)), flat.Names[i]);
        }

        Backward(network, randn(2, 1, 16, 16));
        var gradient = flat.GatherGradients();
        Assert.Equal(ScalarType.Float32, gradient.dtype);
        var parameters = network.parameters().ToArray();
        for (int i = 0; i < parameters.Length; i++)
        {
            Assert.True(Same(flat.View(gradient, i), parameters[i].grad!.to(ScalarType.Float32)), flat.Names[i]);
        }

        var before = flat.Master.clone();
        optimizer.Step(gradient);
        flat.CopyMasterToModel();
        Assert.False(Same(flat.Master, before));
        for (int i = 0; i < parameters.Length; i++)
        {
            Assert.True(Same(parameters[i], flat.MasterParameters[i].to(ScalarType.BFloat16)), flat.Names[i]);
        }
    }

    /// <summary>A saved state, loaded into a new optimiser, continues exactly as the optimiser that was never stopped.</summary>
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public void SavedStateContinuesTheRun(OptimizerKind kind)
    {
        using var folder = TestData.CreateTempFolder();
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var network = Network();
        var options = new TrainingOptions { Optimizer = kind, LearningRate = 0.05 };
        using var flat = new FlatParameters(network, bfloat16: false);
        var gradients = Enumerable.Range(0, 3).Select(_ => randn(flat.Count)).ToArray();
        var start = flat.Master.clone();

        using (var straight = new FlatOptimizer(flat, options))
        {
            foreach (var g in gradients)
            {
                straight.Step(g.clone());
            }
        }

        var expected = flat.Master.clone();
        using (no_grad())
        {
            flat.Master.copy_(start);
        }

        using (var first = new FlatOptimizer(flat, options))
        {
            first.Step(gradients[0].clone());
            first.Save(folder.File("optimizer.safetensors"));
        }

        using var resumed = new FlatOptimizer(flat, options);
        resumed.Load(folder.File("optimizer.safetensors"));
        Assert.Equal(1, resumed.Steps);
        resumed.Step(gradients[1].clone());
        resumed.Step(gradients[2].clone());
        Assert.True(Same(flat.Master, expected));

        // Another optimiser's state is refused with a one-line reason.
        var other = kind == OptimizerKind.AdamW ? OptimizerKind.Sgd : OptimizerKind.AdamW;
        using var wrong = new FlatOptimizer(flat, options with { Optimizer = other });
        var error = Assert.Throws<MedVoxException>(() => wrong.Load(folder.File("optimizer.safetensors")));
        Assert.Contains(kind.ToString(), error.Message, StringComparison.Ordinal);
    }

    /// <summary>Building, stepping, saving and disposing leave no tensor behind but the network's own.</summary>
    [Fact]
    public void LeavesNoTensorBehind()
    {
        using var folder = TestData.CreateTempFolder();
        using var network = Network();
        using var input = randn(2, 1, 16, 16);
        long before = TensorAccounting.LiveTensors;
        using (var flat = new FlatParameters(network, bfloat16: true))
        using (var optimizer = new FlatOptimizer(flat, new TrainingOptions { Optimizer = OptimizerKind.AdamW }))
        {
            for (int step = 0; step < 3; step++)
            {
                Backward(network, input);
                using var scope = NewDisposeScope();
                var gradient = flat.GatherGradients();
                GradientClipping.ClipByTotalNorm([gradient], 1.0);
                optimizer.Step(gradient);
                flat.CopyMasterToModel();
            }

            optimizer.Save(folder.File("optimizer.safetensors"));
            optimizer.Load(folder.File("optimizer.safetensors"));
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.allclose(b, rtol: 0, atol: 0);

    [Fact]
    public void RefusesAGradientOfAnotherLayout()
    {
        using var scope = NewDisposeScope();
        using var network = Network();
        using var flat = new FlatParameters(network, bfloat16: false);
        using var optimizer = new FlatOptimizer(flat, new TrainingOptions());
        Assert.Throws<ArgumentException>(() => optimizer.Step(zeros(flat.Count + 1)));
        Assert.Throws<ArgumentException>(() => optimizer.Step(zeros(flat.Count, ScalarType.Float64)));
    }
}
