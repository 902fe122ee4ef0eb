using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Serialization;

/// <summary>Saves and loads a module's state dict (parameters and buffers, PyTorch-style names) as safetensors.</summary>
public static class ModuleWeights
{
    public static void SaveWeights(this Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensors.Save(module.state_dict(), path, metadata);
    }

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into the module's state. With <paramref name="strict"/> every key
    /// must match both ways and shapes must agree; the error names the first mismatches.
    /// </summary>
    public static void LoadWeights(this Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var loaded = SafeTensors.Load(path);
        try
        {
            var state = module.state_dict();
            var missing = state.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
            var unexpected = loaded.Keys.Where(k => !state.ContainsKey(k)).ToList();
            if (strict && (missing.Count > 0 || unexpected.Count > 0))
            {
                throw new MedVoxException(
                    $"weights do not match the network: {missing.Count} missing (e.g. {string.Join(", ", missing.Take(3))}), {unexpected.Count} unexpected (e.g. {string.Join(", ", unexpected.Take(3))})",
                    path,
                    hint: "the file belongs to another network or plan");
            }

            using (no_grad())
            {
                foreach (var (name, target) in state)
                {
                    if (!loaded.TryGetValue(name, out var source))
                    {
                        continue;
                    }

                    if (!source.shape.SequenceEqual(target.shape))
                    {
                        throw new MedVoxException(
                            $"tensor {name} has shape [{string.Join(", ", source.shape)}] in the file and [{string.Join(", ", target.shape)}] in the network",
                            path,
                            hint: "the file belongs to another network or plan");
                    }

                    target.copy_(source);
                }
            }
        }
        finally
        {
            foreach (var tensor in loaded.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
