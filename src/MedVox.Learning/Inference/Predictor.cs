using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MedVox.Classical;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Learning.Data;
using MedVox.Learning.Networks;
using MedVox.Learning.Planning;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using MedVox.Memory;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Inference;

/// <summary>
/// Full-resolution sliding-window segmentation in bounded memory. The input is preprocessed slice by slice as the plan
/// says (<see cref="StreamingPreprocessor"/>); windows of the planned patch size run in z order, in batches, optionally
/// mirrored; their logits, weighted by a Gaussian importance map, accumulate in a ring that covers only the slabs windows
/// are still writing (<see cref="LogitAccumulator"/>); a slab no remaining window touches is taken out, resampled back
/// to the input's grid and reduced to labels (<see cref="OriginalGridWriter"/>), and its memory reused. The
/// classes x volume float32 buffer, and its resampled copy, never exist. <see cref="CascadePredictor"/> runs a
/// coarse model first and this one only inside the region it finds.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly bool _ownsNetwork;
    private readonly int[] _patch;
    private readonly Action<string> _log;
    private int _batchLimit = int.MaxValue;

    public Predictor(SegmentationPlan plan, UNet network, PredictionOptions? options = null, bool ownsNetwork = false)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(network);
        plan.Validate();
        options ??= new PredictionOptions();
        options.Validate();
        var config = network.Config;
        if (config.Dimensions != plan.Network.Dimensions || config.Classes != plan.Network.Classes || config.InputChannels != plan.Network.InputChannels)
        {
            throw new ArgumentException("The network does not match the plan (dimensions, classes or input channels).", nameof(network));
        }

        if (config.Classes > 256)
        {
            throw new MedVoxException($"the model has {config.Classes} classes; label maps hold at most 256");
        }

        foreach (int value in options.KeepLargestComponent)
        {
            if (value == 0 || !plan.Labels.Values.Contains(value))
            {
                throw new MedVoxException($"label {value} is not a foreground label of the model", field: "--keep-largest", hint: "use its labels: " + string.Join(", ", plan.Labels.Where(l => l.Value != 0).OrderBy(l => l.Value).Select(l => $"{l.Key}={l.Value}")));
            }
        }

        Plan = plan;
        Network = network;
        Options = options;
        _ownsNetwork = ownsNetwork;
        _log = options.Log ?? (_ => { });
        _patch = plan.Network.Dimensions == 2 ? [1, plan.PatchSize[0], plan.PatchSize[1]] : [plan.PatchSize[0], plan.PatchSize[1], plan.PatchSize[2]];
        Device = TorchRuntime.Resolve(options.Device);
        if (Device.type == DeviceType.CUDA)
        {
            // Every window has the same shape: let cuDNN time its algorithms once and keep the fastest (as nnU-Net).
            CuDnnSettings.TrySetBenchmark(true);
        }

        network.to(Device);
        if (options.Compute == PrecisionMode.BFloat16)
        {
            network.to(ScalarType.BFloat16);
        }

        // Channels-last measured 8-34% faster on the CPU (docs/benchmarks.md); on a GPU it is an explicit choice until
        // measured there.
        ChannelsLastLayout = options.Layout == NetworkLayout.ChannelsLast || (options.Layout == NetworkLayout.Auto && Device.type == DeviceType.CPU);
        if (ChannelsLastLayout)
        {
            Networks.ChannelsLast.Apply(network);
        }

        network.eval();
    }

    public SegmentationPlan Plan { get; }

    public UNet Network { get; }

    public PredictionOptions Options { get; }

    public Device Device { get; }

    /// <summary>Whether the network runs channels-last (<see cref="PredictionOptions.Layout"/>).</summary>
    public bool ChannelsLastLayout { get; }

    /// <summary>Window size in z, y, x (z = 1 for 2D models, which predict volumes slice by slice).</summary>
    public IReadOnlyList<int> Patch => _patch;

    /// <summary>Loads a model folder (plan.json + weights.safetensors) and prepares it on the chosen device.</summary>
    public static Predictor Load(string modelFolder, PredictionOptions? options = null)
    {
        var (plan, network) = ModelFolder.Load(modelFolder);
        try
        {
            return new Predictor(plan, network, options, ownsNetwork: true);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The budget in bytes (of GPU memory with CUDA): the option, or half of the memory available to the process.</summary>
    public long BudgetBytes => Options.MemoryBudgetBytes > 0 ? Options.MemoryBudgetBytes : HostBudgetBytes;

    private static long HostBudgetBytes => Math.Max(1L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>
    /// Checks an input against the model before any pixel is read: channel count, dimensionality, and the modality a
    /// DICOM series declares. Throws a <see cref="MedVoxException"/> naming <paramref name="name"/>.
    /// </summary>
    public void CheckInput(ImageGeometry geometry, int channels, IReadOnlyDictionary<string, string>? metadata, string name)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (channels != Plan.Channels.Count)
        {
            throw new MedVoxException(
                $"the model expects {Plan.Channels.Count} channel(s) ({string.Join(", ", Plan.Channels)}), the input has {channels}",
                name,
                hint: Plan.Channels.Count > 1 ? "give one file per channel (CASE_0000, CASE_0001, ...) or one multi-component image" : "give a single-channel image");
        }

        if (Plan.Network.Dimensions == 3 && geometry.Size.Rank == 2)
        {
            throw new MedVoxException($"the model is 3D (patch {string.Join("x", Plan.PatchSize)}) but the input is a 2D image", name, hint: "use a 2D model for 2D images");
        }

        if (metadata is not null && metadata.TryGetValue("Modality", out string? modality) && !string.IsNullOrWhiteSpace(modality))
        {
            for (int c = 0; c < Plan.Channels.Count; c++)
            {
                bool planCt = Plan.Preprocessing.Normalization[c].Scheme == NormalizationScheme.CT || Plan.Channels[c].Equals("CT", StringComparison.OrdinalIgnoreCase);
                bool inputCt = modality.Trim().Equals("CT", StringComparison.OrdinalIgnoreCase);
                if (planCt != inputCt && (planCt || LooksLikeMr(Plan.Channels[c])))
                {
                    throw new MedVoxException($"the model's channel \"{Plan.Channels[c]}\" was trained on {(planCt ? "CT" : "MR")}, the input is {modality.Trim()}", name, "Modality", "predict with a model for this modality");
                }
            }
        }

        static bool LooksLikeMr(string channel)
        {
            string upper = channel.ToUpperInvariant();
            return upper.Contains("MR", StringComparison.Ordinal) || upper.Contains("T1", StringComparison.Ordinal) || upper.Contains("T2", StringComparison.Ordinal)
                || upper.Contains("FLAIR", StringComparison.Ordinal) || upper.Contains("ADC", StringComparison.Ordinal) || upper.Contains("DWI", StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The memory plan for an input of <paramref name="geometry"/> before it is read (the crop box is not known yet, so
    /// the whole image is assumed). Throws when the budget cannot hold one window.
    /// </summary>
    public PredictionMemoryPlan EstimateMemory(ImageGeometry geometry, long inputBytesInMemory)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var target = new Vector3D(Plan.Preprocessing.TargetSpacing[0], Plan.Preprocessing.TargetSpacing[1], Plan.Preprocessing.TargetSpacing[2]);
        var size = Resampling.SizeForSpacing(FrameSize(geometry.Size), geometry.Spacing, target);
        return PlanMemory([size.Z, size.Y, size.X], FrameSize(geometry.Size), inputBytesInMemory);
    }

    /// <summary>
    /// Predicts one case: <paramref name="images"/> are the channels (one per file, or multi-component / 4D images whose
    /// components or frames are channels, in the plan's order), all on one grid. Returns labels on that grid.
    /// </summary>
    public PredictionResult Predict(IReadOnlyList<Image> images, IReadOnlyList<string>? names = null, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("At least one image is needed.", nameof(images));
        }

        var started = Stopwatch.StartNew();
        var channels = ChannelSource.Expand(images, names);
        string first = names is { Count: > 0 } ? names[0] : "input";
        var frame = FrameGeometry(images[0].Geometry);
        CheckInput(frame, channels.Count, images[0].Metadata, first);
        for (int i = 1; i < images.Count; i++)
        {
            CheckSameGrid(frame, FrameGeometry(images[i].Geometry), names is not null && i < names.Count ? names[i] : $"channel {i}", first);
        }

        long inputBytes = 0;
        foreach (var image in images)
        {
            inputBytes += image.IsMapped ? 0 : image.ByteLength;
        }

        // Refuse a budget that cannot hold one window before reading any pixel.
        _ = EstimateMemory(frame, inputBytes);
        var pre = StreamingPreprocessor.Create(channels, Plan.Preprocessing, cancellation);
        var warnings = Plausibility(pre);
        foreach (var warning in warnings)
        {
            _log("warning: " + warning);
        }

        var size = pre.Geometry.Size;
        var memory = PlanMemory([size.Z, size.Y, size.X], frame.Size, inputBytes);
        foreach (var line in memory.Describe())
        {
            _log(line);
        }

        _log(ChannelsLastLayout ? "  network layout: channels-last" : "  network layout: standard (channels first)");

        var allocation = new AllocationOptions
        {
            Mode = memory.OutputInMemory ? AllocationMode.Memory : AllocationMode.Mapped,
            ScratchDirectory = Options.ScratchDirectory,
        };
        var labels = Image.Create(frame, ElementType.UInt8, 1, allocation);
        Image? probabilities = null;
        try
        {
            probabilities = Options.Probabilities ? Image.Create(frame, ElementType.Float32, Plan.Network.Classes, allocation) : null;
            var timings = new PredictionTimings { Setup = started.Elapsed };
            AccumulatorPlacement placement;
            try
            {
                placement = Run(pre, memory, labels, probabilities, timings, progress, cancellation);
            }
            catch (HalfOverflowException)
            {
                _log("logits exceed float16's range; predicting again with a float32 accumulator");
                memory = memory with { Precision = AccumulatorPrecision.Float32, AccumulatorBytes = memory.AccumulatorBytes * 2 };
                pre = StreamingPreprocessor.Create(channels, Plan.Preprocessing, cancellation);
                timings = new PredictionTimings { Setup = started.Elapsed };
                placement = Run(pre, memory, labels, probabilities, timings, progress, cancellation);
            }

            if (Options.KeepLargestComponent.Count > 0)
            {
                long removed = LabelComponents.KeepLargest(labels, Options.KeepLargestComponent);
                _log(string.Create(CultureInfo.InvariantCulture, $"kept the largest component of label(s) {string.Join(", ", Options.KeepLargestComponent)}: {removed} voxel(s) of smaller components set to background"));
            }

            timings.Total = started.Elapsed;
            _log(timings.ToString());
            return new PredictionResult(labels, probabilities, memory, placement, timings, warnings);
        }
        catch
        {
            labels.Dispose();
            probabilities?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_ownsNetwork)
        {
            Network.Dispose();
        }
    }

    internal PredictionMemoryPlan PlanMemory(int[] volume, ImageSize original, long inputBytes)
    {
        long budget = BudgetBytes;
        bool cuda = Device.type == DeviceType.CUDA;
        int[] batches = Options.BatchSize > 0 ? [Options.BatchSize] : cuda ? [4, 2, 1] : [1];
        var windows = new SlidingWindows(volume, _patch, Options.Overlap);
        int classes = Plan.Network.Classes, inputs = Plan.Network.InputChannels;
        long slice = (long)volume[1] * volume[2];
        int elementBytes = Options.Precision == AccumulatorPrecision.Float32 ? 4 : 2;
        long output = original.VoxelsPerFrame * (1 + (Options.Probabilities ? 4L * classes : 0));
        long finalize = OriginalGridWriter.WorkingBytes(classes, original.X, original.Y, volume[1]) + (classes * slice * sizeof(float));
        PredictionMemoryPlan? plan = null;
        long smallest = long.MaxValue;
        // On a GPU the logits staying on the device matter more than the batch: take the largest batch that leaves
        // room for them there, and only if none does, the largest batch that fits at all.
        bool deviceFirst = cuda && Options.Placement == AccumulatorPlacement.Auto && batches.Length > 1;
        for (int pass = deviceFirst ? 0 : 1, i = 0; pass < 2 && plan is null; i = (i + 1) % batches.Length, pass += i == 0 ? 1 : 0)
        {
            int batch = batches[i];
            int ring = windows.LiveSlices(batch);
            long accumulator = classes * ring * slice * elementBytes;
            long inputRing = (ring + 3L) * inputs * slice * sizeof(float) + ((long)original.Y * volume[2] * sizeof(float));
            long network = PredictionMemoryPlan.NetworkEstimate(Plan.Network, Plan.PatchSize, batch, Options.Mirroring, Options.Compute == PrecisionMode.BFloat16 ? 2 : sizeof(float), cuda, ChannelsLastLayout) + ((long)batch * inputs * _patch[0] * _patch[1] * _patch[2] * sizeof(float));
            // On a GPU the budget is the device's: the network, the slices windows are cut from and (if it fits) the
            // logits ring live there; the input image, finalising buffers and output stay in host RAM.
            long fixedBytes = network + inputRing + (cuda ? 0 : finalize + inputBytes);
            smallest = Math.Min(smallest, fixedBytes);
            if (fixedBytes > budget || (pass == 0 && fixedBytes + accumulator > budget))
            {
                continue;
            }

            var placement = Options.Placement;
            bool outputInMemory;
            if (placement == AccumulatorPlacement.Auto)
            {
                if (fixedBytes + accumulator <= budget)
                {
                    placement = cuda ? AccumulatorPlacement.Device : AccumulatorPlacement.Host;
                    outputInMemory = cuda ? finalize + inputBytes + output <= HostBudgetBytes : fixedBytes + accumulator + output <= budget;
                }
                else if (cuda)
                {
                    // As nnU-Net: logits that do not fit the device go to host RAM (a mapped file if RAM is short too).
                    long host = finalize + inputBytes + output;
                    placement = host + accumulator <= HostBudgetBytes ? AccumulatorPlacement.Host : AccumulatorPlacement.Mapped;
                    outputInMemory = host + (placement == AccumulatorPlacement.Host ? accumulator : 0) <= HostBudgetBytes;
                }
                else
                {
                    placement = AccumulatorPlacement.Mapped;
                    outputInMemory = fixedBytes + output <= budget;
                }
            }
            else
            {
                bool resident = placement is AccumulatorPlacement.Host || (placement is AccumulatorPlacement.Device && !cuda);
                outputInMemory = fixedBytes + (resident ? accumulator : 0) + output <= budget;
            }

            plan = new PredictionMemoryPlan
            {
                BudgetBytes = budget,
                Device = cuda ? "cuda" : "cpu",
                VolumeSize = volume,
                Patch = _patch,
                WindowCounts = [windows.Starts[0].Length, windows.Starts[1].Length, windows.Starts[2].Length],
                BatchSize = batch,
                RingSlices = ring,
                Placement = placement,
                Precision = Options.Precision == AccumulatorPrecision.Float32 ? AccumulatorPrecision.Float32 : AccumulatorPrecision.Float16,
                AccumulatorBytes = accumulator,
                InputRingBytes = inputRing,
                NetworkBytes = network,
                FinalizeBytes = finalize,
                OutputBytes = output,
                OutputInMemory = outputInMemory,
                InputBytes = inputBytes,
            };
            break;
        }

        return plan ?? throw new MedVoxException(
            $"the memory budget {MemoryEstimate.Format(budget)} is too small for one window of {string.Join("x", _patch)}: the network, the input slices and the input image need about {MemoryEstimate.Format(smallest)}",
            field: "--memory",
            hint: string.Create(CultureInfo.InvariantCulture, $"raise --memory to at least {Math.Ceiling(smallest / (double)(1L << 30) * 10) / 10:0.0}GB"));
    }

    private AccumulatorPlacement Run(StreamingPreprocessor pre, PredictionMemoryPlan memory, Image labels, Image? probabilities, PredictionTimings timings, IProgress<double>? progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var volume = memory.VolumeSize;
        var windows = new SlidingWindows(volume, _patch, Options.Overlap);
        int ring = memory.RingSlices, classes = Plan.Network.Classes, inputs = pre.ChannelCount;
        int sliceLength = pre.SliceLength;
        long plane = (long)volume[1] * volume[2];
        var writer = new OriginalGridWriter(pre, classes, labels, probabilities);
        var axisWeights = new float[3][];
        var axisSums = new float[3][];
        var weightCache = new Dictionary<int, Tensor>[3];
        for (int a = 0; a < 3; a++)
        {
            axisWeights[a] = WindowWeights.Axis(_patch[a], Options.Weighting);
            axisSums[a] = WindowWeights.Sums(volume[a], windows.Starts[a], axisWeights[a]);
            weightCache[a] = [];
        }

        var type = memory.Precision == AccumulatorPrecision.Float32 ? ScalarType.Float32 : ScalarType.Float16;
        using var accumulator = new LogitAccumulator(classes, ring, volume[1], volume[2], memory.Placement, type, Device, Options.ScratchDirectory, Options.SimulateOutOfMemory, _log);
        // Slices reduced to labels where the logits live when nothing needs resampling back: one byte per voxel
        // leaves the device instead of classes x 4.
        bool labelsOnly = probabilities is null && writer.IsIdentity;
        var finalSlice = labelsOnly ? null : new float[classes * plane];
        var labelSlice = labelsOnly ? new byte[plane] : null;
        // Windows are cut from a ring of preprocessed slices held as one tensor on the compute device (so on a GPU
        // only the slices travel, once, not every window); windows reaching past the volume (a volume smaller than
        // the patch) are assembled on the host with zero padding instead.
        bool inside = true;
        for (int a = 0; a < 3; a++)
        {
            inside &= windows.Starts[a][0] >= 0 && windows.Starts[a][^1] + _patch[a] <= volume[a];
        }

        var networkType = Options.Compute == PrecisionMode.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        using var slices = inside ? zeros([ring, inputs, volume[1], volume[2]], networkType, Device).DetachFromDisposeScope() : null;
        var hostRing = new float[inside ? 0 : ring][];
        for (int i = 0; i < hostRing.Length; i++)
        {
            hostRing[i] = new float[sliceLength];
        }

        // Slices are read ahead on a thread: on a GPU by up to one window's depth of host memory, so that a row of
        // windows finds its slices ready; on the CPU, where the network keeps the cores busy, by the 3 slices the
        // input ring's estimate holds beyond the ring.
        using var prefetcher = inside ? new SlicePrefetcher(pre, volume[0], Device.type == DeviceType.CUDA ? _patch[0] : 3, cancellation) : null;

        // float16 logits on the device are checked for overflow only when slices are finalised, not after every
        // batch: reading a value back waits for the device, and the host then cannot queue the next batch while the
        // current one runs. Logits beyond float16 (rare: nnU-Net never checks) make the whole case run again in float32.
        using var deferredCheck = accumulator.Type == ScalarType.Float16 && accumulator.Placement == AccumulatorPlacement.Device
            ? zeros(1, ScalarType.Float32, Device).DetachFromDisposeScope()
            : null;
        int batchSize = memory.BatchSize;
        long windowVoxels = (long)_patch[0] * _patch[1] * _patch[2];
        using var batchInput = inside ? null : empty([batchSize, inputs, _patch[0], _patch[1], _patch[2]], ScalarType.Float32).DetachFromDisposeScope();
        int produced = 0, finalized = 0;
        var all = windows.Windows;
        timings.Setup += clock.Elapsed;
        try
        {
            using var noGrad = no_grad();
            for (int first = 0; first < all.Count; first += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, all.Count - first);
                int high = 0;
                for (int j = first; j < first + count; j++)
                {
                    high = Math.Max(high, Math.Min(volume[0], all[j].Z + _patch[0]));
                }

                clock.Restart();
                for (; produced < high; produced++)
                {
                    if (slices is null)
                    {
                        pre.ReadSlice(produced, hostRing[produced % ring]);
                        continue;
                    }

                    var slice = prefetcher!.Take();
                    using (var scope = NewDisposeScope())
                    {
                        slices[produced % ring].copy_(torch.tensor(slice, [inputs, volume[1], volume[2]]));
                    }

                    prefetcher.Return(slice);
                }

                timings.Preprocessing += clock.Elapsed;

                clock.Restart();
                using (var scope = NewDisposeScope())
                {
                    Tensor input;
                    if (slices is not null)
                    {
                        var parts = new Tensor[count];
                        for (int j = 0; j < count; j++)
                        {
                            parts[j] = CutWindow(slices, all[first + j]);
                        }

                        input = count == 1 ? parts[0].unsqueeze(0) : stack(parts);
                    }
                    else
                    {
                        var data = MemoryMarshal.Cast<byte, float>(batchInput!.bytes);
                        data.Clear();
                        for (int j = 0; j < count; j++)
                        {
                            FillWindow(all[first + j], hostRing, volume, inputs, data.Slice((int)(j * inputs * windowVoxels), (int)(inputs * windowVoxels)));
                        }

                        input = (count == batchSize ? batchInput : batchInput.narrow(0, 0, count)).to(Device).to(networkType);
                    }

                    timings.Windows += clock.Elapsed;
                    clock.Restart();
                    var logits = Forward(input);
                    float maxAbs = 0f;
                    if (deferredCheck is not null)
                    {
                        deferredCheck.copy_(maximum(deferredCheck, logits.abs().max()));
                    }
                    else if (accumulator.Type == ScalarType.Float16)
                    {
                        maxAbs = logits.abs().max().to(ScalarType.Float32).item<float>();
                    }

                    timings.Network += clock.Elapsed;
                    clock.Restart();
                    for (int j = 0; j < count; j++)
                    {
                        // One window's weighted float32 logits at a time: each is freed once added to the ring.
                        using var window = NewDisposeScope();
                        var w = all[first + j];
                        var weight = AxisWeight(weightCache[0], 0, w.Z, axisWeights, axisSums).view(-1, 1, 1)
                            * AxisWeight(weightCache[1], 1, w.Y, axisWeights, axisSums).view(1, -1, 1)
                            * AxisWeight(weightCache[2], 2, w.X, axisWeights, axisSums).view(1, 1, -1);
                        int z0 = Math.Max(w.Z, 0), y0 = Math.Max(w.Y, 0), x0 = Math.Max(w.X, 0);
                        int z1 = Math.Min(w.Z + _patch[0], volume[0]), y1 = Math.Min(w.Y + _patch[1], volume[1]), x1 = Math.Min(w.X + _patch[2], volume[2]);
                        var values = (logits[j] * weight)
                            .narrow(1, z0 - w.Z, z1 - z0)
                            .narrow(2, y0 - w.Y, y1 - y0)
                            .narrow(3, x0 - w.X, x1 - x0);
                        accumulator.Add(values, z0, y0, x0, maxAbs);
                    }

                    timings.Accumulation += clock.Elapsed;
                }

                int next = first + count;
                int finalBelow = next >= all.Count ? volume[0] : all[next].Row == 0 ? 0 : windows.FinalBelow(all[next].Row - 1);
                if (deferredCheck is not null && finalBelow > finalized && deferredCheck.item<float>() > LogitAccumulator.HalfLimit)
                {
                    throw new HalfOverflowException();
                }

                clock.Restart();
                for (; finalized < finalBelow; finalized++)
                {
                    if (labelSlice is not null)
                    {
                        accumulator.TakeLabels(finalized, labelSlice);
                        writer.AcceptLabels(finalized, labelSlice);
                    }
                    else
                    {
                        accumulator.Take(finalized, finalSlice!);
                        writer.Accept(finalized, finalSlice!);
                    }
                }

                timings.Finalization += clock.Elapsed;

                progress?.Report((double)next / all.Count);
            }
        }
        finally
        {
            foreach (var cache in weightCache)
            {
                foreach (var tensor in cache.Values)
                {
                    tensor.Dispose();
                }
            }
        }

        return accumulator.Placement;
    }

    /// <summary>Window <paramref name="w"/> [channels, z, y, x] out of the ring of slices [ring, channels, y, x] (all inside the volume).</summary>
    private Tensor CutWindow(Tensor slices, WindowPosition w)
    {
        int ring = (int)slices.shape[0];
        var plane = slices.narrow(2, w.Y, _patch[1]).narrow(3, w.X, _patch[2]);
        int slot = w.Z % ring;
        int run = Math.Min(_patch[0], ring - slot);
        var window = run == _patch[0] ? plane.narrow(0, slot, run) : cat([plane.narrow(0, slot, run), plane.narrow(0, 0, _patch[0] - run)], 0);
        return window.permute(1, 0, 2, 3);
    }

    /// <summary>Copies window <paramref name="w"/> of every channel out of the ring of preprocessed slices; outside the volume stays 0 (nnU-Net pads with 0).</summary>
    private void FillWindow(WindowPosition w, float[][] ring, int[] volume, int inputs, Span<float> destination)
    {
        int pz = _patch[0], py = _patch[1], px = _patch[2];
        int x0 = Math.Max(w.X, 0), x1 = Math.Min(w.X + px, volume[2]);
        int y0 = Math.Max(w.Y, 0), y1 = Math.Min(w.Y + py, volume[1]);
        long plane = (long)volume[1] * volume[2];
        for (int dz = 0; dz < pz; dz++)
        {
            int z = w.Z + dz;
            if (z < 0 || z >= volume[0])
            {
                continue;
            }

            var slice = ring[z % ring.Length];
            for (int c = 0; c < inputs; c++)
            {
                for (int y = y0; y < y1; y++)
                {
                    var source = slice.AsSpan((int)((c * plane) + ((long)y * volume[2]) + x0), x1 - x0);
                    int offset = (((((c * pz) + dz) * py) + (y - w.Y)) * px) + (x0 - w.X);
                    source.CopyTo(destination.Slice(offset, x1 - x0));
                }
            }
        }
    }

    /// <summary>
    /// The weight factor along axis <paramref name="axis"/> of the window starting at <paramref name="start"/>, divided by the
    /// total weight each voxel receives on that axis: the ring then accumulates weighted means directly.
    /// </summary>
    private Tensor AxisWeight(Dictionary<int, Tensor> cache, int axis, int start, float[][] weights, float[][] sums)
    {
        if (cache.TryGetValue(start, out var tensor))
        {
            return tensor;
        }

        var values = new float[_patch[axis]];
        for (int i = 0; i < values.Length; i++)
        {
            int v = start + i;
            values[i] = v >= 0 && v < sums[axis].Length ? weights[axis][i] / sums[axis][v] : 0f;
        }

        tensor = torch.tensor(values, device: Device).DetachFromDisposeScope();
        cache[start] = tensor;
        return tensor;
    }

    /// <summary>Logits [n, classes, z, y, x] of a batch in the network's precision, averaged over mirrorings when asked; on out-of-memory the batch is split.</summary>
    private Tensor Forward(Tensor input)
    {
        long n = input.shape[0];
        if (n > _batchLimit)
        {
            return Split(input);
        }

        try
        {
            return ForwardOnce(input);
        }
        catch (Exception ex) when (LogitAccumulator.IsOutOfMemory(ex))
        {
            if (n == 1)
            {
                throw new MedVoxException(
                    $"one window of {string.Join("x", _patch)} does not fit in the memory of {Device.type.ToString().ToLowerInvariant()}",
                    hint: Device.type == DeviceType.CUDA ? "use --device cpu, or a model with a smaller patch" : "free memory or use a model with a smaller patch",
                    inner: ex);
            }

            _batchLimit = (int)(n / 2);
            _log($"batch of {n} windows ran out of memory; continuing with {_batchLimit}");
            return Split(input);
        }
    }

    private Tensor Split(Tensor input)
    {
        long n = input.shape[0];
        long half = Math.Min(_batchLimit, n / 2);
        return cat([Forward(input.narrow(0, 0, half)), Forward(input.narrow(0, half, n - half))], 0);
    }

    private Tensor ForwardOnce(Tensor input)
    {
        using var scope = NewDisposeScope();
        bool planar = Plan.Network.Dimensions == 2;
        var x = planar ? input.squeeze(2) : input;
        var sum = Network.forward(x);
        if (Options.Mirroring)
        {
            int dims = Plan.Network.Dimensions;
            int combinations = 1 << dims;
            for (int mask = 1; mask < combinations; mask++)
            {
                var axes = new List<long>();
                for (int a = 0; a < dims; a++)
                {
                    if ((mask & (1 << a)) != 0)
                    {
                        axes.Add(2 + a);
                    }
                }

                // Each mirrored pass in its own scope: its flipped input and logits go before the next pass starts.
                using var pass = NewDisposeScope();
                long[] flip = [.. axes];
                sum.add_(Network.forward(x.flip(flip)).flip(flip));
            }

            using var count = combinations.ToScalar();
            sum.div_(count);
        }

        // In the network's precision: weighting a window's logits by the float32 importance map widens them to
        // float32 one window at a time, instead of the whole batch at once here.
        var logits = planar ? sum.unsqueeze(2) : sum;
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Doubts about the intensities that do not stop the prediction.</summary>
    private List<string> Plausibility(StreamingPreprocessor pre)
    {
        var warnings = new List<string>();
        for (int c = 0; c < pre.ChannelCount; c++)
        {
            var range = pre.Ranges[c];
            if (Plan.Preprocessing.Normalization[c].Scheme == NormalizationScheme.CT && range.Min > -200 && range.Max < 4000)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"channel {c} ({Plan.Channels[c]}) ranges from {range.Min:G4} to {range.Max:G4}: no air below -200 HU, so it may not be CT in Hounsfield units"));
            }
        }

        return warnings;
    }

    private static ImageSize FrameSize(ImageSize size) => new(size.X, size.Y, size.Z, 1, Math.Min(size.Rank, 3));

    internal static ImageGeometry FrameGeometry(ImageGeometry geometry) => geometry.WithSize(FrameSize(geometry.Size));

    private static void CheckSameGrid(ImageGeometry expected, ImageGeometry actual, string name, string firstName)
    {
        const double tolerance = 1e-3;
        if (expected.Size != actual.Size
            || Vector3D.MaxAbsDifference(expected.Spacing, actual.Spacing) > tolerance
            || Vector3D.MaxAbsDifference(expected.Origin, actual.Origin) > tolerance
            || Matrix3D.MaxAbsDifference(expected.Direction, actual.Direction) > tolerance)
        {
            throw new MedVoxException($"channel grid (size {actual.Size}, spacing {actual.Spacing}, origin {actual.Origin}) does not match {firstName} (size {expected.Size}, spacing {expected.Spacing}, origin {expected.Origin})", name, hint: "all channels of a case must lie on one voxel grid");
        }
    }
}
