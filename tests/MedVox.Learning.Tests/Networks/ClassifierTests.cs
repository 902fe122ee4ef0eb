using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Serialization;
using MedVox.Testing;
using static MedVox.Learning.Tests.TensorFactory;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Networks;

public class ClassifierTests
{
    [Theory]
    [InlineData(ClassifierArchitecture.Vgg16)]
    [InlineData(ClassifierArchitecture.GoogLeNet)]
    [InlineData(ClassifierArchitecture.ResNet50)]
    [InlineData(ClassifierArchitecture.DenseNet121)]
    public void GreySlicesGiveOneLogitPerClassAndGradientsFlow(ClassifierArchitecture architecture)
    {
        using var net = Classifier.Create(architecture, inputChannels: 1, classes: 3);
        long before = TensorAccounting.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            var logits = net.forward(Randn(2, 1, 32, 32));
            Assert.Equal(new long[] { 2, 3 }, logits.shape);

            nn.functional.cross_entropy(logits, tensor(new long[] { 0, 2 })).backward();
            Assert.All(net.parameters(), p => Assert.NotNull(p.grad));
        }

        Assert.Equal(before, TensorAccounting.LiveTensors);
    }

    [Fact]
    public void WrongChannelCountIsRejected()
    {
        using var net = Classifier.Create(ClassifierArchitecture.ResNet50, 1, 2);
        using var scope = NewDisposeScope();

        Assert.Contains("[N, 1, H, W]", Assert.Throws<ArgumentException>(() => net.forward(Randn(1, 3, 64, 64))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DenseNet-121", ClassifierArchitecture.DenseNet121)]
    [InlineData("resnet50", ClassifierArchitecture.ResNet50)]
    [InlineData("vgg16", ClassifierArchitecture.Vgg16)]
    [InlineData("GoogLeNet", ClassifierArchitecture.GoogLeNet)]
    public void NamesParse(string name, ClassifierArchitecture expected) => Assert.Equal(expected, Classifier.Parse(name));

    [Fact]
    public void DenseNet121IsTorchvisionsDenseNet121()
    {
        string python = TestData.RequirePython("torch", "torchvision", "numpy");
        using var folder = TestData.CreateTempFolder();
        using var net = DenseNet.DenseNet121(inputChannels: 1, classes: 2);
        using var scope = NewDisposeScope();

        // A few training steps so that batch-norm running statistics are not the initial ones.
        using (var optimizer = optim.SGD(net.parameters(), 0.01))
        {
            for (int step = 0; step < 2; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                nn.functional.cross_entropy(net.forward(Randn(4, 1, 64, 64)), tensor(new long[] { 0, 1, 0, 1 })).backward();
                optimizer.step();
            }
        }

        net.eval();
        var input = Randn(2, 1, 64, 64);
        net.SaveWeights(folder.File("w.safetensors"));
        SafeTensors.Save([new("input", input)], folder.File("in.safetensors"));
        var (code, _, error) = ProcessRunner.Run(python, [Path.Combine(AppContext.BaseDirectory, "Oracles", "densenet_oracle.py"), folder.File("w.safetensors"), folder.File("in.safetensors"), folder.File("out.safetensors")]);
        Assert.True(code == 0, error);

        Tensor ours;
        using (no_grad())
        {
            ours = net.forward(input);
        }

        var theirs = SafeTensors.Load(folder.File("out.safetensors"))["output"];
        Assert.True(ours.allclose(theirs, rtol: 1e-4, atol: 1e-4), $"max difference {(ours - theirs).abs().max().item<float>()}");
    }
}
