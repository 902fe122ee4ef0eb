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
    public static Tensor Apply(Func<Tensor[], Tensor> function, params Tensor[] inputs) => Apply(function, perSample: false, inputs);

    /// <summary>
    /// As <see cref="Apply(Func{Tensor[], Tensor}, Tensor[])"/>; with <paramref name="perSample"/> the forward pass and
    /// the recomputation run one sample of the batch (axis 0 of every input) at a time, so the wrapped function's
    /// intermediate maps and their gradients exist for one sample instead of the whole batch. Only for functions that
    /// treat samples independently (convolutions, instance norm; not batch norm); the parameters' gradients are then
    /// sums over the samples' backward passes, equal to the whole batch's up to rounding.
    /// </summary>
    public static Tensor Apply(Func<Tensor[], Tensor> function, bool perSample, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!is_grad_enabled())
        {
            return function(inputs);
        }

        if (perSample && inputs.Any(t => t.dim() == 0 || t.shape[0] != inputs[0].shape[0]))
        {
            throw new ArgumentException("Per-sample checkpointing needs inputs with the same batch size on axis 0.", nameof(inputs));
        }

        var arguments = new object[inputs.Length + 2];
        arguments[0] = function;
        arguments[1] = perSample;
        Array.Copy(inputs, 0, arguments, 2, inputs.Length);

        // Autograd only records the function when an input requires a gradient; the parameters inside it do not count.
        // For a network's first stage (an image input) mark a detached alias as requiring one, so the parameters still
        // get their gradients (torch.utils.checkpoint with use_reentrant=True has the same trap).
        if (!inputs.Any(t => t.requires_grad))
        {
            arguments[2] = inputs[0].detach().requires_grad_(true);
        }

        return CheckpointFunction.apply(arguments);
    }

    private sealed class CheckpointFunction : SingleTensorFunction<CheckpointFunction>
    {
        public override string Name => "ActivationCheckpoint";

        public override Tensor forward(AutogradContext ctx, params object[] vars)
        {
            var function = (Func<Tensor[], Tensor>)vars[0];
            bool perSample = (bool)vars[1];
            var inputs = vars.Skip(2).Cast<Tensor>().ToArray();
            ctx.save_data("function", function);
            ctx.save_data("perSample", perSample);
            ctx.save_for_backward([.. inputs]);

            // Autograd is off here (TorchSharp runs custom forwards without recording), and the scope frees the
            // intermediate tensors as soon as the output exists: only the inputs are kept for the backward pass.
            long samples = perSample ? inputs[0].shape[0] : 1;
            if (samples == 1)
            {
                using var scope = NewDisposeScope();
                return function(inputs).MoveToOuterDisposeScope();
            }

            Tensor? output = null;
            for (long i = 0; i < samples; i++)
            {
                using var scope = NewDisposeScope();
                var part = function(Sample(inputs, i));
                if (output is null)
                {
                    var shape = part.shape;
                    shape[0] = samples;
                    output = empty(shape, part.dtype, part.device).MoveToOuterDisposeScope();
                }

                output.narrow(0, i, 1).copy_(part);
            }

            return output!;
        }

        public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
        {
            // The gradients returned by the previous call were copied into autograd's own references when that call
            // returned: their wrappers can go now instead of at the end of the training step, so that a backward pass
            // holds the input gradients of one stage at a time, not of every stage.
            ReturnedGradients.Release();
            var function = (Func<Tensor[], Tensor>)ctx.get_data("function");
            bool perSample = (bool)ctx.get_data("perSample");
            var gradients = new List<Tensor>(4) { null!, null! };
            using (var scope = NewDisposeScope())
            {
                // The unpacked wrappers keep the inputs until this scope ends; the node's own references go now.
                var saved = ctx.get_saved_variables().ToArray();
                CustomNodeMemory.ReleaseSaved(ctx);
                long samples = perSample ? saved[0].shape[0] : 1;
                var inputGradients = new Tensor?[saved.Length];
                using var grad = enable_grad();
                for (long i = 0; i < samples; i++)
                {
                    // One sample's graph at a time: its maps and their gradients go with its scope, the parameters'
                    // gradients accumulate across samples.
                    using var sampleScope = NewDisposeScope();
                    var inputs = (samples == 1 ? saved : Sample(saved, i)).Select(s => s.detach().requires_grad_(true)).ToArray();
                    var output = function(inputs);
                    output.backward([samples == 1 ? grad_output : grad_output.narrow(0, i, 1)]);
                    for (int j = 0; j < inputs.Length; j++)
                    {
                        if (samples == 1)
                        {
                            inputGradients[j] = (inputs[j].grad ?? zeros_like(inputs[j])).detach().MoveToOuterDisposeScope();
                            continue;
                        }

                        inputGradients[j] ??= zeros_like(saved[j]).MoveToOuterDisposeScope();
                        if (inputs[j].grad is { } g)
                        {
                            inputGradients[j]!.narrow(0, i, 1).copy_(g);
                        }
                    }
                }

                // One entry per argument of apply: none for the function and the flag, then one per input tensor. The
                // caller's scope (the training step) owns the returned gradients once autograd has taken them, unless
                // the next call releases them earlier.
                foreach (var g in inputGradients)
                {
                    gradients.Add(g!.MoveToOuterDisposeScope());
                }
            }

            // TorchSharp wrapped the incoming gradient in the caller's scope; autograd keeps its own reference.
            grad_output.Dispose();
            ReturnedGradients.Keep(gradients.Skip(2));
            return gradients;
        }

        private static Tensor[] Sample(Tensor[] tensors, long index)
        {
            var sample = new Tensor[tensors.Length];
            for (int j = 0; j < tensors.Length; j++)
            {
                sample[j] = tensors[j].narrow(0, index, 1);
            }

            return sample;
        }
    }
}
