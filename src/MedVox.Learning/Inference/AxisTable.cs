using MedVox.Imaging;

namespace MedVox.Learning.Inference;

/// <summary>
/// For each output index along one axis of a scale-only resampling: the two input indices and the weight of the
/// second, with <see cref="Resampling"/>'s grid-mode convention (output o samples input (o + 0.5) * in / out - 0.5,
/// clamped to the outer centres; nearest rounds ties up). Streaming code resamples slab by slab with these tables and
/// gets the values <see cref="Resampling.ResampleToSpacing"/> computes for the whole volume.
/// </summary>
internal sealed class AxisTable
{
    private AxisTable(int inputLength, int outputLength)
    {
        InputLength = inputLength;
        Index0 = new int[outputLength];
        Index1 = new int[outputLength];
        Weight = new float[outputLength];
    }

    public int InputLength { get; }

    public int OutputLength => Index0.Length;

    public int[] Index0 { get; }

    public int[] Index1 { get; }

    /// <summary>Weight of <see cref="Index1"/>, as float (the resampler's intermediate type for float32 data).</summary>
    public float[] Weight { get; }

    /// <summary>True when output o is input o: nothing to interpolate.</summary>
    public bool IsIdentity { get; private set; }

    public static AxisTable ForScale(int inputLength, int outputLength, Interpolation kernel)
    {
        var table = new AxisTable(inputLength, outputLength);
        double scale = (double)inputLength / outputLength;
        bool identity = inputLength == outputLength;
        for (int o = 0; o < outputLength; o++)
        {
            double c = (scale * (o + 0.5)) - 0.5;
            int i0, i1;
            double w;
            if (kernel == Interpolation.Nearest)
            {
                i0 = Math.Clamp((int)Math.Floor(c + 0.5), 0, inputLength - 1);
                i1 = i0;
                w = 0;
            }
            else
            {
                double clamped = Math.Clamp(c, 0, inputLength - 1);
                i0 = (int)Math.Floor(clamped);
                i1 = Math.Min(i0 + 1, inputLength - 1);
                w = clamped - i0;
            }

            table.Index0[o] = i0;
            table.Index1[o] = i1;
            table.Weight[o] = (float)w;
            identity &= i0 == o && w == 0;
        }

        table.IsIdentity = identity;
        return table;
    }

    /// <summary>Which input indices some output reads.</summary>
    public bool[] NeededInputs()
    {
        var needed = new bool[InputLength];
        for (int o = 0; o < OutputLength; o++)
        {
            needed[Index0[o]] = true;
            needed[Index1[o]] = true;
        }

        return needed;
    }

    /// <summary>Resamples one row: output[o] = (1 - w) input[i0] + w input[i1].</summary>
    public void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        var i0 = Index0;
        var i1 = Index1;
        var weight = Weight;
        for (int o = 0; o < output.Length; o++)
        {
            float w1 = weight[o], w0 = 1f - w1;
            output[o] = (w0 * input[i0[o]]) + (w1 * input[i1[o]]);
        }
    }
}
