using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace MedVox.Learning.Training;

/// <summary>
/// Activation (gradient) checkpointing, which TorchSharp lacks (torch.utils.checkpoint): the wrapped function runs
/// without keeping its intermediate activations, and runs again during the backward pass to compute its gradients. It
/// trades one extra forward of the wrapped part for the memory of its activations. The function must be deterministic
/// (no dropout; instance norm, not batch norm in training mode, whose statistics would be updated twice).
/// </summary>
public static class ActivationCheckpoint
{
    /// <summary>Computes <paramref name="function"/>(<paramref name="inputs"/>) with recomputation in backward; plain call when gradients are off.</summary>
    public static Tensor Apply(Func<Tensor[], Tensor> function, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!is_grad_enabled())
        {
            return function(inputs);
        }

        var arguments = new object[inputs.Length + 1];
        arguments[0] = function;
        Array.Copy(inputs, 0, arguments, 1, inputs.Length);

        // Autograd only records the function when an input requires a gradient; the parameters inside it do not count.
        // For a network's first stage (an image input) mark a detached alias as requiring one, so the parameters still
        // get their gradients (torch.utils.checkpoint with use_reentrant=True has the same trap).
        if (!inputs.Any(t => t.requires_grad))
        {
            arguments[1] = inputs[0].detach().requires_grad_(true);
        }
        return CheckpointFunction.apply(arguments);
    }

    private sealed class CheckpointFunction : SingleTensorFunction<CheckpointFunction>
    {
        public override string Name => "ActivationCheckpoint";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var function = (Func<Tensor[], Tensor>)vars[0];
            var inputs = vars.Skip(1).Cast<Tensor>().ToList();
            ctx.save_data("function", function);
            ctx.save_for_backward(inputs);

            // Autograd is off here (TorchSharp runs custom forwards without recording), and the scope frees the
            // intermediate tensors as soon as the output exists: only the inputs are kept for the backward pass.
            using var scope = NewDisposeScope();
            return function([.. inputs]).MoveToOuterDisposeScope();
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
        {
            var function = (Func<Tensor[], Tensor>)ctx.get_data("function");
            using var scope = NewDisposeScope();
            var saved = ctx.get_saved_variables();
            using var grad = enable_grad();
            var inputs = saved.Select(s => s.detach().requires_grad_(true)).ToArray();
            var output = function(inputs);
            output.backward([grad_output]);
            // One entry per argument of apply: none for the function, then one per input tensor.
            var gradients = new List<Tensor>(inputs.Length + 1) { null! };
            foreach (var input in inputs)
            {
                var g = input.grad ?? zeros_like(input);
                // The caller's scope (the training step) owns the returned gradients once autograd has taken them.
                gradients.Add(g.detach().MoveToOuterDisposeScope());
            }

            return gradients;
        }
    }
}
