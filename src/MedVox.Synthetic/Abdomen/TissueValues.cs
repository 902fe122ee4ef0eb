namespace MedVox.Synthetic.Abdomen;

/// <summary>Attenuation of each tissue in HU for one case (literature values, jittered per case).</summary>
internal sealed record TissueValues
{
    public float Liver { get; init; }

    public float Spleen { get; init; }

    public float Kidney { get; init; }

    public float Pancreas { get; init; }

    public float Aorta { get; init; }

    public float Vein { get; init; }

    public float Vessels { get; init; }

    public float GutWall { get; init; }

    public float Muscle { get; init; }

    public float Fat { get; init; }

    public float CorticalBone { get; init; }

    public float CancellousBone { get; init; }

    public float Disc { get; init; }

    public float Lung { get; init; }

    public float Fluid { get; init; }

    public float Air { get; init; } = -1000;

    public float Cartilage { get; init; } = 120;

    public float Csf { get; init; } = 15;

    public static TissueValues Draw(ContrastPhase phase, Rendering.PhantomRandom random)
    {
        float Jitter(double mean, double sd) => (float)random.Normal(mean, sd);
        return phase == ContrastPhase.Native
            ? new TissueValues
            {
                Liver = Jitter(58, 3),
                Spleen = Jitter(50, 3),
                Kidney = Jitter(35, 3),
                Pancreas = Jitter(45, 2),
                Aorta = Jitter(42, 3),
                Vein = Jitter(40, 3),
                Vessels = Jitter(42, 3),
                GutWall = Jitter(38, 3),
                Muscle = Jitter(50, 3),
                Fat = Jitter(-100, 6),
                CorticalBone = Jitter(750, 80),
                CancellousBone = Jitter(230, 30),
                Disc = Jitter(85, 8),
                Lung = Jitter(-860, 20),
                Fluid = Jitter(12, 3),
            }
            : new TissueValues
            {
                Liver = Jitter(105, 4),
                Spleen = Jitter(112, 4),
                Kidney = Jitter(165, 12),
                Pancreas = Jitter(100, 4),
                Aorta = Jitter(170, 15),
                Vein = Jitter(140, 10),
                Vessels = Jitter(160, 12),
                GutWall = Jitter(80, 6),
                Muscle = Jitter(60, 4),
                Fat = Jitter(-95, 6),
                CorticalBone = Jitter(760, 80),
                CancellousBone = Jitter(240, 30),
                Disc = Jitter(90, 8),
                Lung = Jitter(-860, 20),
                Fluid = Jitter(15, 3),
            };
    }
}
