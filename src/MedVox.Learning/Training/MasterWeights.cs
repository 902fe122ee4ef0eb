using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Training;

/// <summary>
/// Mixed precision without autocast (TorchSharp has none): the network computes in bfloat16, the optimiser updates a
/// float32 copy of every parameter, and the bf16 weights are refreshed from it after each step. Small updates thus
/// accumulate in float32 instead of vanishing below bf16's 8-bit mantissa. bf16 shares float32's exponent range, so
/// gradients need no loss scaling (fp16 would).
/// </summary>
public sealed class MasterWeights : IDisposable
{
    private readonly Parameter[] _model;
    private readonly Parameter[] _master;
    private readonly Tensor[] _gradients;

    public MasterWeights(Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.to(ScalarType.BFloat16);
        _model = [.. network.parameters()];
        using (no_grad())
        {
            _master = [.. _model.Select(p => new Parameter(p.detach().to(ScalarType.Float32).clone(), requires_grad: true))];

            // Gradient buffers owned here and attached once: the optimiser reads them through .grad, and they are
            // overwritten each step instead of being replaced (replacing would orphan one tensor per parameter per step).
            _gradients = [.. _master.Select(p => zeros_like(p).DetachFromDisposeScope())];
            for (int i = 0; i < _master.Length; i++)
            {
                _master[i].grad = _gradients[i];
            }
        }
    }

    /// <summary>The float32 parameters the optimiser owns.</summary>
    public IReadOnlyList<Parameter> Parameters => _master;

    /// <summary>Sets the float32 master gradients to the bf16 network's gradients (zero where a parameter got none).</summary>
    public void CopyGradientsToMaster()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _model.Length; i++)
        {
            var grad = _model[i].grad;
            if (grad is null)
            {
                _gradients[i].zero_();
            }
            else
            {
                _gradients[i].copy_(grad);
            }
        }
    }

    /// <summary>Writes the updated float32 weights back into the bf16 network.</summary>
    public void CopyMasterToModel()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _model.Length; i++)
        {
            _model[i].copy_(_master[i]);
        }
    }

    public void Dispose()
    {
        foreach (var p in _master)
        {
            p.Dispose();
        }

        foreach (var g in _gradients)
        {
            g.Dispose();
        }
    }
}
