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
        /// <summary>Gradients the last backward call on this thread returned (autograd runs CPU backward passes on the calling thread).</summary>
        [ThreadStatic]
        private static List<Tensor>? _returned;

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
            // The gradients returned by the previous call were copied into autograd's own references when that call
            // returned: their wrappers can go now instead of at the end of the training step, so that a backward pass
            // holds the input gradients of one stage at a time, not of every stage.
            ReleaseReturned();
            var function = (Func<Tensor[], Tensor>)ctx.get_data("function");
            var gradients = new List<Tensor>(3) { null! };
            using (var scope = NewDisposeScope())
            {
                var saved = ctx.get_saved_variables();
                using var grad = enable_grad();
                var inputs = saved.Select(s => s.detach().requires_grad_(true)).ToArray();
                var output = function(inputs);
                output.backward([grad_output]);

                // One entry per argument of apply: none for the function, then one per input tensor.
                foreach (var input in inputs)
                {
                    var g = input.grad ?? zeros_like(input);

                    // The caller's scope (the training step) owns the returned gradients once autograd has taken
                    // them, unless the next call releases them earlier.
                    gradients.Add(g.detach().MoveToOuterDisposeScope());
                }
            }

            // TorchSharp wrapped the incoming gradient in the caller's scope; autograd keeps its own reference.
            grad_output.Dispose();
            _returned ??= [];
            _returned.AddRange(gradients.Skip(1));
            return gradients;
        }

        private static void ReleaseReturned()
        {
            if (_returned is null)
            {
                return;
            }

            foreach (var t in _returned)
            {
                t.Dispose();
            }

            _returned.Clear();
        }
    }
}
