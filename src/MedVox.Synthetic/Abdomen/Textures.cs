using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Abdomen;

/// <summary>
/// The peritoneal cavity's contents: mesenteric fat around bowel loops. The loops are where two smooth random fields are
/// both near zero (the intersection of two random surfaces is a random tube), with a wall ring and content inside that is
/// fluid or, where a third field is high, gas.
/// </summary>
internal sealed class BowelTexture(LatticeNoise first, LatticeNoise second, LatticeNoise gas, float fat, float wall, float fluid, float air, float tubeWidth) : ValueField
{
    public override float Value(double x, double y, double z) =>
        Mix(first.Sample(x, y, z), second.Sample(x, y, z), gas.Sample(x, y, z));

    public override void ValueRow(double y, double z, double x0, double dx, Span<float> values)
    {
        int n = values.Length;
        Span<float> b = stackalloc float[n];
        Span<float> g = stackalloc float[n];
        first.SampleRow(y, z, x0, dx, values);
        second.SampleRow(y, z, x0, dx, b);
        gas.SampleRow(y, z, x0, dx, g);
        for (int i = 0; i < n; i++)
        {
            values[i] = Mix(values[i], b[i], g[i]);
        }
    }

    private float Mix(float a, float b, float g)
    {
        float s = MathF.Sqrt((a * a) + (b * b)) / tubeWidth;
        if (s >= 1.15f)
        {
            return fat;
        }

        float content = fluid + (SmoothStep(0.25f, 0.45f, g) * (air - fluid));
        float inner = SmoothStep(0.55f, 0.7f, s);
        float v = content + (inner * (wall - content));
        return v + (SmoothStep(0.9f, 1.15f, s) * (fat - v));
    }

    internal static float SmoothStep(float edge0, float edge1, float x)
    {
        float t = Math.Clamp((x - edge0) / (edge1 - edge0), 0f, 1f);
        return t * t * (3 - (2 * t));
    }
}

/// <summary>Contents of a hollow organ in a supine patient: gas anterior to (above) a level, fluid behind it.</summary>
internal sealed class GravityTexture(double level, float gas, float fluid) : ValueField
{
    public override float Value(double x, double y, double z)
    {
        float t = BowelTexture.SmoothStep(-0.75f, 0.75f, (float)(y - level));
        return gas + (t * (fluid - gas));
    }
}
