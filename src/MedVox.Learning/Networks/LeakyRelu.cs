using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// LeakyReLU whose slope is one LibTorch scalar held for the module's lifetime. TorchSharp's own module converts the
/// slope to a new scalar on every call and keeps no reference to it while LibTorch reads it, so a garbage collection
/// during the call can free it (seen once under load in a test run: "Exception raised from toFloat" inside leaky_relu_).
/// </summary>
public sealed class LeakyRelu : Module<Tensor, Tensor>
{
    private readonly Scalar _slope;
    private readonly bool _inplace;

    public LeakyRelu(double negativeSlope = 0.01, bool inplace = false)
        : base(nameof(LeakyRelu))
    {
        _slope = negativeSlope.ToScalar();
        _inplace = inplace;
    }

    /// <summary>The slope for negative inputs, as the scalar LibTorch reads.</summary>
    public Scalar Slope => _slope;

    public override Tensor forward(Tensor input) => _inplace ? input.leaky_relu_(_slope) : input.leaky_relu(_slope);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _slope.Dispose();
        }

        base.Dispose(disposing);
    }
}
