using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical.Abdomen;

/// <summary>
/// One run of the abdomen baseline on the body's box of an LPS-ordered CT (float32 HU): the organs are found one
/// after the other, each from an HU window, its components and where they lie relative to the body and the spine.
/// </summary>
internal sealed class AbdomenScene
{
    // HU windows for portal venous CT (literature ranges; the phantom draws its values from similar ones).
    private const float BoneHu = 220;          // cancellous bone 150-300 (on the unsmoothed volume), cortical 500-1000
    private const float DenseBoneHu = 400;     // reached only by cortical bone (and calcifications)
    private const float EnhancedHu = 130;      // enhanced blood and renal parenchyma 140-200; liver and spleen stay below
    private const float VenousHu = 118;        // the IVC 120-160, at least 10 HU above the liver
    private const float SolidLowHu = 80;       // liver and spleen 90-130 in the portal venous phase; muscle 40-65
    private const float SolidHighHu = 130;
    private const float DiscHu = 65;           // intervertebral discs 70-100
    private const float GasHu = -400;          // gas -1000; fat -120 to -80
    private const float FatHu = -100;
    private const float WallHu = 80;           // enhanced gastric and bowel wall

    // Organ indices in the working label map, in the order the organs are found (the first to claim a voxel keeps it).
    private const byte Spine = 1, Aorta = 2, Cava = 3, KidneyRight = 4, KidneyLeft = 5, Liver = 6, Spleen = 7, Stomach = 8, Count = 9;

    private static readonly List<Component> Empty = [];

    private static readonly string[] Names = ["", "spine", "aorta", "ivc", "right kidney", "left kidney", "liver", "spleen", "stomach"];

    private readonly Image _hu;
    private readonly BinaryMask _body;
    private readonly AbdomenBaselineOptions _options;
    private readonly CancellationToken _cancellation;
    private readonly ImageGeometry _geometry;
    private readonly double _stepX;
    private readonly BinaryMask?[] _cores = new BinaryMask?[Count];
    private readonly double[] _coreHu = new double[Count];
    private Image _smooth = null!;
    private BinaryMask _inside = null!;
    private BinaryMask? _claimed;

    // The body's centre and half extents, and the spine's centre (LPS, mm): the frame of the position rules.
    private double _cx, _cy, _halfWidth, _halfDepth;
    private double _spineX, _spineY;

    public AbdomenScene(Image hu, BinaryMask body, AbdomenBaselineOptions options, CancellationToken cancellation)
    {
        _hu = hu;
        _body = body;
        _options = options;
        _cancellation = cancellation;
        _geometry = hu.Geometry;
        _stepX = _geometry.IndexToPhysicalMatrix[0, 0];
    }

    /// <summary>Notes on what was found (for diagnostics and tests).</summary>
    public List<string> Notes { get; } = [];

    public byte[] Run()
    {
        _smooth = _hu.Clone();
        try
        {
            GaussianFilter.SmoothInPlace(_smooth, new Vector3D(_options.SmoothingMm, _options.SmoothingMm, _options.SmoothingMm));
            _inside = Morphology.FillHoles(_body, perSlice: true);
            MeasureBody();
            Step(FindSpine);
            Step(FindVesselsAndKidneys);
            Step(FindLiverAndSpleen);
            Step(FindStomach);
            Step(Delineate);
            return Compose();
        }
        finally
        {
            _smooth.Dispose();
        }
    }

    private void Step(Action step)
    {
        _cancellation.ThrowIfCancellationRequested();
        step();
    }

    private void MeasureBody()
    {
        var runs = RunLabeling.Build(_inside, Connectivity.Six);
        var body = ConnectedComponents.Measure(runs, _geometry, planar: false);
        var largest = body[0];
        foreach (var c in body)
        {
            largest = c.VoxelCount > largest.VoxelCount ? c : largest;
        }

        _cx = largest.Centroid.X;
        _cy = largest.Centroid.Y;
        var lo = _geometry.IndexToPhysical(largest.Bounds.Min.X, largest.Bounds.Min.Y, largest.Bounds.Min.Z);
        var hi = _geometry.IndexToPhysical(largest.Bounds.Max.X, largest.Bounds.Max.Y, largest.Bounds.Max.Z);
        _halfWidth = Math.Abs(hi.X - lo.X) / 2;
        _halfDepth = Math.Abs(hi.Y - lo.Y) / 2;
        _spineX = _cx;
        _spineY = _cy + (0.4 * _halfDepth);
        Notes.Add($"body centre ({_cx:F0}, {_cy:F0}) half width {_halfWidth:F0} depth {_halfDepth:F0} mm");
    }

    /// <summary>
    /// Bone is at least 220 HU with a cortical core (400 HU); the vertebral column is the bone near the posterior midline, cut
    /// to 45 mm either side of it (ribs beyond), with the discs between its levels (gaps along the body axis under 20 mm
    /// with disc attenuation) filled in.
    /// </summary>
    private void FindSpine()
    {
        var bone = Window(_hu, BoneHu, float.PositiveInfinity, _inside);
        var blobs = Blobs.Find(bone, _hu, Connectivity.TwentySix);
        var keep = new bool[blobs.Components.Length + 1];
        double sumX = 0, sumY = 0, volume = 0;
        foreach (var c in blobs.Components)
        {
            double dx = c.Centroid.X - _cx, dy = c.Centroid.Y - _cy;
            if (c.VolumeMl >= 1 && blobs.MaxHu[c.Label] >= DenseBoneHu && Math.Abs(dx) <= 0.25 * _halfWidth && dy >= 0.05 * _halfDepth && dy <= 0.95 * _halfDepth)
            {
                keep[c.Label] = true;
                sumX += c.Centroid.X * c.VolumeMl;
                sumY += c.Centroid.Y * c.VolumeMl;
                volume += c.VolumeMl;
            }
        }

        if (volume == 0)
        {
            Notes.Add("spine: not found");
            return;
        }

        _spineX = sumX / volume;
        _spineY = sumY / volume;
        var spine = blobs.Mask(keep);
        ClearLateral(spine, _spineX, 45);
        var discs = FillGapsAlongZ(spine, 20);
        discs.And(Window(_smooth, DiscHu, float.PositiveInfinity, _inside));
        spine.Or(discs);
        SetCore(Spine, Morphology.FillHoles(spine, perSlice: true));
        Notes.Add($"spine: {volume:F0} mL of bone around ({_spineX:F0}, {_spineY:F0})");
    }

    /// <summary>
    /// Enhanced structures (over 130 HU, not bone). The kidneys are the large, thick blobs beside the spine, right and
    /// left, once an opening by 5 mm has cut the vessels that join them. The aorta and the IVC are then followed slice
    /// by slice as round cross-sections left-anterior and right-anterior of the spine.
    /// </summary>
    private void FindVesselsAndKidneys()
    {
        var enhanced = Window(_smooth, EnhancedHu, DenseBoneHu, _inside);
        ClearClaimed(enhanced);
        var opened = Morphology.Open(enhanced, 5);
        var blobs = Blobs.Find(opened, _smooth, Connectivity.Six);
        (int Label, double Score) right = default, left = default;
        foreach (var c in blobs.Components)
        {
            double dx = c.Centroid.X - _spineX, dy = c.Centroid.Y - _spineY;
            double length = blobs.Extent[c.Label].Z;
            double section = c.VolumeMl * 1000 / length;
            if (Math.Abs(dx) >= 30 && Math.Abs(dx) <= 140 && dy >= -60 && dy <= 60 && c.VolumeMl >= 30 && c.VolumeMl <= 600 && section >= 500)
            {
                Pick(ref dx < 0 ? ref right : ref left, c.Label, c.VolumeMl);
            }
        }

        SetCore(KidneyRight, Reconstruct(blobs, right.Label, enhanced, 5, KidneyRight));
        SetCore(KidneyLeft, Reconstruct(blobs, left.Label, enhanced, 5, KidneyLeft));
        ClearClaimed(enhanced);
        SetCore(Aorta, TrackTube(enhanced, -10, 45, Aorta));

        // Venous blood enhances less than arterial in places (unopacified return from the legs): a lower window, but
        // above the liver, which the IVC runs along.
        double solid = SolidOrganHu();
        var venous = Window(_smooth, (float)Math.Max(VenousHu, solid + 10), DenseBoneHu, _inside);
        ClearClaimed(venous);
        SetCore(Cava, TrackTube(venous, -60, -5, Cava));
    }

    /// <summary>The most frequent smoothed HU (2 HU bins) among the 80-140 HU voxels right of the spine: the liver's.</summary>
    private double SolidOrganHu()
    {
        var histogram = new long[30];
        var values = _smooth.AsSpan<float>();
        var inside = _inside.Voxels;
        int nx = _inside.Nx, ny = _inside.Ny;
        for (int z = 0; z < _inside.Nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                double x0 = PhysicalX(0, y, z);
                for (int x = 0; x < nx; x++)
                {
                    int i = (((z * ny) + y) * nx) + x;
                    float v = values[i];
                    if (inside[i] != 0 && v >= 80 && v < 140 && x0 + (x * _stepX) < _spineX - 20)
                    {
                        histogram[(int)((v - 80) / 2)]++;
                    }
                }
            }
        }

        int mode = 0;
        for (int b = 1; b < histogram.Length; b++)
        {
            mode = histogram[b] > histogram[mode] ? b : mode;
        }

        double hu = 80 + (2 * mode) + 1;
        Notes.Add($"solid organs around {hu:F0} HU");
        return hu;
    }

    /// <summary>
    /// Follows a vessel through the axial slices. Its cross-sections are the in-slice components of
    /// <paramref name="mask"/> of 30-1200 mm² whose centre lies <paramref name="minDx"/> to <paramref name="maxDx"/> mm
    /// left of the spine's centre and 22-80 mm in front of it (before the vertebral body). Tracking starts at the place
    /// most slices have a section near, and moves up and down to the section nearest the expected centre (within 8 mm,
    /// more after a gap) of a similar size, bridging up to 80 mm without one (where another organ covers the vessel),
    /// and stops where the vessel divides.
    /// </summary>
    private BinaryMask? TrackTube(BinaryMask mask, double minDx, double maxDx, byte organ)
    {
        var runs = RunLabeling.Build(mask, Connectivity.Four);
        var sections = ConnectedComponents.Measure(runs, _geometry, planar: true);
        double pixelArea = _geometry.Spacing.X * _geometry.Spacing.Y;
        int nz = mask.Nz;
        var candidates = new List<Component>[nz];
        Component? seed = null;
        foreach (var c in sections)
        {
            double area = c.VoxelCount * pixelArea;
            double dx = c.Centroid.X - _spineX, dy = c.Centroid.Y - _spineY;
            if (area < 30 || area > 1200 || dx < minDx || dx > maxDx || dy < -80 || dy > -22)
            {
                continue;
            }

            (candidates[c.Bounds.Min.Z] ??= []).Add(c);
        }

        // The seed is the section with the most slices holding a section within 10 mm of its centre: the vessel runs
        // through many slices at nearly the same place, other bright blobs do not.
        long seedSupport = 0;
        foreach (var list in candidates)
        {
            foreach (var c in list ?? Empty)
            {
                long support = 0;
                foreach (var others in candidates)
                {
                    foreach (var o in others ?? Empty)
                    {
                        if (InPlaneDistance(c.Centroid, o.Centroid) <= 10)
                        {
                            support++;
                            break;
                        }
                    }
                }

                if (support > seedSupport)
                {
                    (seed, seedSupport) = (c, support);
                }
            }
        }

        if (seed is null)
        {
            return null;
        }

        // Start from the median-sized of the sections that support the seed, not from an odd one.
        var supporting = new List<Component>();
        foreach (var others in candidates)
        {
            Component? nearest = null;
            foreach (var o in others ?? Empty)
            {
                if (InPlaneDistance(seed.Centroid, o.Centroid) <= 10 && (nearest is null || InPlaneDistance(seed.Centroid, o.Centroid) < InPlaneDistance(seed.Centroid, nearest.Centroid)))
                {
                    nearest = o;
                }
            }

            if (nearest is not null)
            {
                supporting.Add(nearest);
            }
        }

        supporting.Sort((a, b) => a.VoxelCount.CompareTo(b.VoxelCount));
        seed = supporting[supporting.Count / 2];
        var keep = new bool[sections.Length + 1];
        keep[seed.Label] = true;
        int maxMissed = (int)(80 / _geometry.Spacing.Z);
        foreach (int direction in (ReadOnlySpan<int>)[1, -1])
        {
            // The expected centre is the mean of the last three accepted, the expected size the median of the last
            // nine: a vessel moves and changes calibre slowly, so a jump or a doubling is something else (a branch, a
            // neighbour), and a few thin sections (partly covered) do not lower the expectation.
            var recent = new List<Component> { seed };
            int missed = 0;
            for (int z = seed.Bounds.Min.Z + direction; z >= 0 && z < nz && missed <= maxMissed; z += direction)
            {
                var expected = MeanCentre(recent, 3);
                double size = MedianSize(recent);

                // Past a gap the vessel may have moved: the search widens by 0.3 mm per mm without a section.
                Component? best = null;
                double bestDistance = Math.Min(15, 8 + (0.3 * missed * _geometry.Spacing.Z));
                foreach (var c in candidates[z] ?? Empty)
                {
                    double distance = InPlaneDistance(c.Centroid, expected);
                    if (distance <= bestDistance && c.VoxelCount >= 0.4 * size && c.VoxelCount <= 2.5 * size)
                    {
                        (best, bestDistance) = (c, distance);
                    }
                }

                if (best is null)
                {
                    missed++;
                    continue;
                }

                if (Splits(candidates[z]!, best, expected, size))
                {
                    break;
                }

                missed = 0;
                keep[best.Label] = true;
                recent.Add(best);
                if (recent.Count > 9)
                {
                    recent.RemoveAt(0);
                }
            }
        }

        var tube = new BinaryMask(_geometry);
        runs.Paint(tube.Voxels, keep);
        Notes.Add($"{Names[organ]}: tracked from a {seed.VoxelCount * pixelArea:F0} mm2 section at ({seed.Centroid.X:F0}, {seed.Centroid.Y:F0}, {seed.Centroid.Z:F0}) found in {seedSupport} slices");
        return tube;
    }

    /// <summary>
    /// Whether the vessel divides here (the aortic bifurcation, the confluence of the iliac veins): the nearest section
    /// has moved sideways from the expected centre and another one of a similar size lies on the other side, at the
    /// same depth (within 8 mm front to back), both within 20 mm of the centre.
    /// </summary>
    private static bool Splits(List<Component> sections, Component nearest, Vector3D expected, double size)
    {
        double side = nearest.Centroid.X - expected.X;
        if (nearest.VoxelCount < 0.4 * size || Math.Abs(side) < 3)
        {
            return false;
        }

        foreach (var c in sections)
        {
            double dx = c.Centroid.X - expected.X;
            if (c != nearest && c.VoxelCount >= 0.4 * size && c.VoxelCount * 2 >= nearest.VoxelCount
                && InPlaneDistance(c.Centroid, expected) <= 20 && dx * side < 0 && Math.Abs(dx) >= 3
                && Math.Abs(c.Centroid.Y - nearest.Centroid.Y) <= 8)
            {
                return true;
            }
        }

        return false;
    }

    private static Vector3D MeanCentre(List<Component> sections, int last)
    {
        var sum = Vector3D.Zero;
        int from = Math.Max(0, sections.Count - last);
        for (int i = from; i < sections.Count; i++)
        {
            sum += sections[i].Centroid;
        }

        return sum / (sections.Count - from);
    }

    private static double MedianSize(List<Component> sections)
    {
        Span<long> sizes = stackalloc long[sections.Count];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = sections[i].VoxelCount;
        }

        sizes.Sort();
        return sizes[sizes.Length / 2];
    }

    private static double InPlaneDistance(Vector3D a, Vector3D b) => Math.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    /// <summary>
    /// Solid organs (80-130 HU, what is not taken yet), opened by 5 mm to cut bridges, then eroded to cores: the liver
    /// core is the largest on the right, the spleen core the largest left posterolateral one, and both grow back
    /// through the opened mask in competition, so an organ touching the other is split where the two fronts meet.
    /// </summary>
    private void FindLiverAndSpleen()
    {
        var solid = Window(_smooth, SolidLowHu, SolidHighHu, _inside);
        ClearClaimed(solid);
        var opened = Morphology.Open(solid, 5);
        var cores = Morphology.Erode(opened, 6);
        var blobs = Blobs.Find(cores, _smooth, Connectivity.Six);
        (int Label, double Score) liver = default, spleen = default;
        foreach (var c in blobs.Components)
        {
            double dx = c.Centroid.X - _spineX;
            double dy = c.Centroid.Y - _cy;
            if (c.VolumeMl >= 100 && dx < 20)
            {
                Pick(ref liver, c.Label, c.VolumeMl);
            }
            else if (c.VolumeMl >= 5 && c.VolumeMl <= 800 && dx > 40 && dy > -0.3 * _halfDepth)
            {
                Pick(ref spleen, c.Label, c.VolumeMl);
            }
        }

        var seeds = new byte[opened.Voxels.Length];
        if (liver.Label > 0)
        {
            blobs.Mask(liver.Label).Paint(seeds, 1);
        }

        if (spleen.Label > 0)
        {
            blobs.Mask(spleen.Label).Paint(seeds, 2);
        }

        // Back to the surface the erosion took, and a little more for thin parts, but not along a bridge of similar
        // tissue (the pancreas' tail at the splenic hilum): 20 mm of steps from the cores.
        var spacing = _geometry.Spacing;
        SeededGrowth.Grow(seeds, opened, (int)Math.Ceiling(20 / Math.Min(spacing.X, Math.Min(spacing.Y, spacing.Z))));
        SetCore(Liver, Part(seeds, 1));
        SetCore(Spleen, Part(seeds, 2));
    }

    /// <summary>
    /// The stomach by its gas: in a supine patient the gastric gas is the largest gas pocket in front, left of the
    /// spine's right edge and above the kidneys' middle (lung bases reach the top of the scan; bowel gas is small).
    /// From it the lumen extends through the fluid contents (-40 to 45 HU, at least 15 mm inside the body, thick enough
    /// to survive an opening by 5 mm, within 80 mm of the gas); the lumen is closed and filled, and the delineation
    /// adds the wall.
    /// </summary>
    private void FindStomach()
    {
        // Gas bodies are told apart by their cores (eroded by 4 mm), since the thin wall between the stomach and a lung
        // base can vanish in the smoothing; each core then takes back its part of the gas.
        var gas = Window(_hu, float.NegativeInfinity, GasHu, _inside);
        var blobs = Blobs.Find(Morphology.Erode(gas, 4), _smooth, Connectivity.Six);
        double kidneys = double.NegativeInfinity;
        foreach (var kidney in (ReadOnlySpan<BinaryMask?>)[_cores[KidneyRight], _cores[KidneyLeft]])
        {
            if (kidney?.Bounds() is { } box)
            {
                kidneys = Math.Max(kidneys, _geometry.IndexToPhysical(0, 0, (box.Min.Z + box.Max.Z) / 2.0).Z);
            }
        }

        (int Label, double Score) stomach = default;
        var lungs = new bool[blobs.Components.Length + 1];
        foreach (var c in blobs.Components)
        {
            double dx = c.Centroid.X - _spineX, dy = c.Centroid.Y - _cy;

            // Lung bases reach the top of an abdominal scan; the stomach's gas does not.
            lungs[c.Label] = c.Bounds.Max.Z == _inside.Nz - 1;
            if (c.VolumeMl >= 1 && dx > -20 && dy < 0 && c.Centroid.Z > kidneys && !lungs[c.Label])
            {
                Pick(ref stomach, c.Label, c.VolumeMl);
            }
        }

        if (stomach.Label == 0)
        {
            Notes.Add("stomach: no gas found");
            return;
        }

        var gasSeeds = new byte[gas.Voxels.Length];
        blobs.Mask(lungs).Paint(gasSeeds, 2);
        blobs.Mask(stomach.Label).Paint(gasSeeds, 1);
        SeededGrowth.Grow(gasSeeds, gas);
        var bubble = Part(gasSeeds, 1);

        // Away from the abdominal wall, where fat and muscle average to fluid values, and thick.
        var fluid = Window(_smooth, -40, 45, Morphology.Erode(_inside, 15));
        ClearClaimed(fluid);
        fluid = Morphology.Open(fluid, 5);
        var near = Morphology.Dilate(bubble, 80);
        fluid.And(near);

        // The gas-fluid level is a layer of voxels that average the two (fat-like values): bridged by a dilation.
        var spacing = _geometry.Spacing;
        var lumen = Morphology.Dilate(bubble, Math.Max(3, 1.5 * Math.Max(spacing.X, Math.Max(spacing.Y, spacing.Z))));
        lumen.And(near);
        var allowed = fluid.Clone();
        allowed.Or(lumen);
        var seeds = new byte[allowed.Voxels.Length];
        bubble.Paint(seeds, 1);
        SeededGrowth.Grow(seeds, allowed);
        var core = Part(seeds, 1);
        core = Morphology.FillHoles(Morphology.Close(core, 5), perSlice: false);
        var c0 = blobs.Components[stomach.Label - 1];
        Notes.Add($"stomach: {c0.VolumeMl:F0} mL of gas at ({c0.Centroid.X:F0}, {c0.Centroid.Y:F0}, {c0.Centroid.Z:F0}), lumen {core.Count() * core.VoxelVolumeMl:F0} mL");
        SetCore(Stomach, core);
    }

    /// <summary>
    /// Grows all cores at once, in competition, over the lightly smoothed volume: each organ takes the neighbouring
    /// voxels whose HU lies above the midpoint between its own and fat (the partial-volume boundary) and below a
    /// ceiling (its mean plus 25 HU for liver and spleen, which border enhanced vessels; plus 100 for vessels and
    /// kidneys), no farther from its core than the smoothing and half a voxel can have moved its edge.
    /// </summary>
    private void Delineate()
    {
        var labels = new byte[_body.Voxels.Length];
        var reach = new byte[labels.Length];
        var low = new float[Count];
        var high = new float[Count];
        var spacing = _geometry.Spacing;
        double distance = _options.SmoothingMm + (0.5 * Math.Max(spacing.X, spacing.Y)) + 0.5;
        for (byte organ = 1; organ < Count; organ++)
        {
            low[organ] = float.PositiveInfinity;
            high[organ] = float.NegativeInfinity;
            if (_cores[organ] is not { } core)
            {
                continue;
            }

            core.Paint(labels, organ);
            if (organ is Spine)
            {
                continue;
            }

            // The stomach grows its wall (80-100 HU) out of a lumen of gas and fluid.
            low[organ] = organ is Stomach ? (float)((WallHu + FatHu) / 2) : (float)((_coreHu[organ] + FatHu) / 2);
            high[organ] = organ is Stomach ? WallHu + 40 : (float)(_coreHu[organ] + (organ is Liver or Spleen ? 25 : 100));
            var near = Morphology.Dilate(core, distance);
            near.And(_inside);
            var voxels = near.Voxels;
            byte bit = (byte)(1 << (organ - 1));
            for (int i = 0; i < voxels.Length; i++)
            {
                reach[i] |= (byte)(voxels[i] * bit);
            }
        }

        using (var fine = _hu.Clone())
        {
            double sigma = _options.SmoothingMm / 2;
            GaussianFilter.SmoothInPlace(fine, new Vector3D(sigma, sigma, sigma));
            SeededGrowth.GrowBanded(labels, fine.AsSpan<float>().ToArray(), low, high, reach, _body.Nx, _body.Ny, _body.Nz);
        }

        for (byte organ = 1; organ < Count; organ++)
        {
            if (_cores[organ] is null)
            {
                continue;
            }

            // Every grown voxel connects to its core; a tracked vessel may be in pieces where an organ covers it.
            var mask = Part(labels, organ, largest: false);
            if (organ is Liver or Spleen)
            {
                mask = Morphology.FillHoles(mask, perSlice: false);
            }

            _cores[organ] = mask;
            Notes.Add($"{Names[organ]}: {_coreHu[organ]:F0} HU, {mask.Count() * mask.VoxelVolumeMl:F0} mL, grown up to {distance:F1} mm between {low[organ]:F0} and {high[organ]:F0} HU");
        }
    }

    /// <summary>The label map of the box in the output's label values; where organs overlap, the one found first keeps the voxel.</summary>
    private byte[] Compose()
    {
        var labels = _options.Labels;
        byte[] values = [0, labels.Spine, labels.Aorta, labels.InferiorVenaCava, labels.KidneyRight, labels.KidneyLeft, labels.Liver, labels.Spleen, labels.Stomach];
        var result = new byte[_body.Voxels.Length];
        for (byte organ = 1; organ < Count; organ++)
        {
            if (_cores[organ] is not { } mask || values[organ] == 0)
            {
                continue;
            }

            var voxels = mask.Voxels;
            for (int i = 0; i < result.Length; i++)
            {
                if (voxels[i] != 0 && result[i] == 0)
                {
                    result[i] = values[organ];
                }
            }
        }

        return result;
    }

    /// <summary>Keeps an organ's core (without voxels an earlier organ claimed) and its mean smoothed HU, and claims its voxels.</summary>
    private void SetCore(byte organ, BinaryMask? core)
    {
        if (core is null || core.Count() == 0)
        {
            Notes.Add($"{Names[organ]}: not found");
            return;
        }

        _claimed ??= new BinaryMask(_geometry);
        core.AndNot(_claimed);
        _claimed.Or(core);
        _cores[organ] = core;
        _coreHu[organ] = Mean(_smooth, core);
    }

    /// <summary>A blob of an opened mask given back what the opening by <paramref name="radiusMm"/> shaved off it.</summary>
    private BinaryMask? Reconstruct(Blobs blobs, int label, BinaryMask unopened, double radiusMm, byte organ)
    {
        if (label == 0)
        {
            return null;
        }

        var c = blobs.Components[label - 1];
        Notes.Add($"{Names[organ]}: core {c.VolumeMl:F0} mL at ({c.Centroid.X:F0}, {c.Centroid.Y:F0}, {c.Centroid.Z:F0}), {blobs.Extent[label].Z:F0} mm long");
        var core = blobs.Mask(label);
        var grown = Morphology.Dilate(core, radiusMm);
        grown.And(unopened);
        grown.Or(core);
        return ConnectedComponents.KeepLargest(grown, Connectivity.Six);
    }

    private void ClearClaimed(BinaryMask mask)
    {
        if (_claimed is not null)
        {
            mask.AndNot(_claimed);
        }
    }

    /// <summary>The voxels labelled <paramref name="value"/> (their largest component with <paramref name="largest"/>).</summary>
    private BinaryMask Part(byte[] labels, byte value, bool largest = true)
    {
        var mask = new BinaryMask(_geometry);
        var voxels = mask.Voxels;
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = labels[i] == value ? (byte)1 : (byte)0;
        }

        return largest ? ConnectedComponents.KeepLargest(mask, Connectivity.Six) : mask;
    }

    private static double Mean(Image volume, BinaryMask mask)
    {
        var values = volume.AsSpan<float>();
        var voxels = mask.Voxels;
        double sum = 0;
        long n = 0;
        for (int i = 0; i < voxels.Length; i++)
        {
            if (voxels[i] != 0)
            {
                sum += values[i];
                n++;
            }
        }

        return n == 0 ? 0 : sum / n;
    }

    /// <summary>Sets the voxels between two foreground voxels of the same (x, y) column that are under <paramref name="maxGapMm"/> apart.</summary>
    private static BinaryMask FillGapsAlongZ(BinaryMask mask, double maxGapMm)
    {
        var result = new BinaryMask(mask.Geometry);
        int nx = mask.Nx, ny = mask.Ny, nz = mask.Nz;
        int maxGap = (int)(maxGapMm / mask.Spacing.Z);
        var source = mask.Voxels;
        var target = result.Voxels;
        Parallel.For(0, ny, y =>
        {
            for (int x = 0; x < nx; x++)
            {
                int last = -1;
                for (int z = 0; z < nz; z++)
                {
                    int i = (((z * ny) + y) * nx) + x;
                    if (source[i] == 0)
                    {
                        continue;
                    }

                    if (last >= 0 && z - last - 1 <= maxGap)
                    {
                        for (int g = last + 1; g < z; g++)
                        {
                            target[(((g * ny) + y) * nx) + x] = 1;
                        }
                    }

                    last = z;
                }
            }
        });
        return result;
    }

    /// <summary>Keeps the candidate with the higher score (the first among equals).</summary>
    private static void Pick(ref (int Label, double Score) best, int label, double score)
    {
        if (best.Label == 0 || score > best.Score)
        {
            best = (label, score);
        }
    }

    /// <summary>Voxels of <paramref name="volume"/> within [lo, hi] inside <paramref name="within"/>.</summary>
    private static BinaryMask Window(Image volume, float lo, float hi, BinaryMask within)
    {
        var mask = new BinaryMask(volume.Geometry);
        var voxels = mask.Voxels;
        var inside = within.Voxels;
        int nx = volume.Size.X, ny = volume.Size.Y;
        Parallel.For(0, volume.Size.Z, z =>
        {
            for (int y = 0; y < ny; y++)
            {
                var row = volume.GetRow<float>(y, z);
                int offset = ((z * ny) + y) * nx;
                for (int x = 0; x < nx; x++)
                {
                    float v = row[x];
                    voxels[offset + x] = v >= lo && v <= hi && inside[offset + x] != 0 ? (byte)1 : (byte)0;
                }
            }
        });
        return mask;
    }

    /// <summary>Clears the voxels more than <paramref name="halfWidth"/> mm left or right of x = <paramref name="centre"/>.</summary>
    private void ClearLateral(BinaryMask mask, double centre, double halfWidth)
    {
        var voxels = mask.Voxels;
        int nx = mask.Nx, ny = mask.Ny;
        for (int z = 0; z < mask.Nz; z++)
        {
            for (int y = 0; y < ny; y++)
            {
                int offset = ((z * ny) + y) * nx;
                double x0 = PhysicalX(0, y, z);
                for (int x = 0; x < nx; x++)
                {
                    if (Math.Abs(x0 + (x * _stepX) - centre) > halfWidth)
                    {
                        voxels[offset + x] = 0;
                    }
                }
            }
        }
    }

    /// <summary>The patient x (LPS, mm: right to left) of voxel (x, y, z).</summary>
    private double PhysicalX(int x, int y, int z) => _geometry.IndexToPhysical(x, y, z).X;
}
