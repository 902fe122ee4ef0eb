using System.Numerics;
using System.Runtime.InteropServices;
using MedVox.Dicom.Pixels;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Memory;

namespace MedVox.Dicom.Series;

/// <summary>
/// Loads a series (or stack) into one volume: pixels of all slices decoded in parallel straight into the volume,
/// rescaled (CT in Hounsfield units: int16 where exact, float32 otherwise), with the geometry of the sorted
/// positions. Problems (unplaceable slices, uneven repeats) and, on request, irregular spacing refuse with one clear line.
/// </summary>
public static class DicomSeriesLoader
{
    /// <summary>Scans <paramref name="folder"/> and loads the series <see cref="DicomLoadOptions.SeriesUid"/> names (or the only one).</summary>
    public static DicomVolume Load(string folder, DicomLoadOptions? options = null)
    {
        options ??= DicomLoadOptions.Default;
        var scan = DicomSeriesScanner.Scan(folder, options.Scan with { Progress = options.Progress ?? options.Scan.Progress, MaxParallelism = options.MaxParallelism });
        var series = Select(scan, options.SeriesUid);
        var volume = Load(series, options);
        if (scan.Skipped.Count > 0)
        {
            volume.AddWarning($"{scan.Skipped.Count} file(s) skipped: {string.Join("; ", scan.Skipped.Take(5).Select(s => $"{s.Path}: {s.Reason}"))}{(scan.Skipped.Count > 5 ? "; ..." : string.Empty)}");
        }

        return volume;
    }

    /// <summary>The series <paramref name="uid"/> names (a SeriesInstanceUID or "UID#n"), or the only one; fails listing the choices otherwise.</summary>
    public static DicomSeriesInfo Select(DicomFolderScan scan, string? uid)
    {
        ArgumentNullException.ThrowIfNull(scan);
        var all = scan.Series.ToList();
        if (all.Count == 0)
        {
            string skipped = scan.Skipped.Count == 0 ? "it holds no files"
                : $"{scan.Skipped.Count} file(s) skipped, e.g. {string.Join("; ", scan.Skipped.Take(3).Select(s => $"{Path.GetFileName(s.Path)}: {s.Reason}"))}";
            throw new InvalidImageFileException($"no DICOM images found ({skipped})", scan.Folder);
        }

        if (uid is null)
        {
            if (all.Count == 1)
            {
                return all[0];
            }

            throw new MedVoxException($"the folder holds {all.Count} series or stacks: {List(all)}", scan.Folder, hint: "choose one with --series UID");
        }

        var exact = all.Find(s => s.Id == uid);
        if (exact is not null)
        {
            return exact;
        }

        var stacks = all.Where(s => s.SeriesInstanceUID == uid).ToList();
        if (stacks.Count == 1)
        {
            return stacks[0];
        }

        if (stacks.Count > 1)
        {
            throw new MedVoxException($"series {uid} splits into {stacks.Count} stacks of different size, orientation or pixel format: {List(stacks)}", scan.Folder, hint: $"choose one with --series {uid}#N");
        }

        throw new MedVoxException($"no series {uid} in the folder; it holds {List(all)}", scan.Folder, hint: "list the series with medvox dicom ls");
    }

    /// <summary>Loads one series found by a scan.</summary>
    public static DicomVolume Load(DicomSeriesInfo series, DicomLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        options ??= DicomLoadOptions.Default;
        var stack = series.Stack;
        string where = Path.GetDirectoryName(stack.Ordered[0].File.Path) ?? stack.Ordered[0].File.Path;
        if (!series.CanLoad)
        {
            throw new InvalidImageFileException($"series {series.Id} cannot be loaded: {string.Join("; ", series.Problems)}", where);
        }

        if (stack.IsIrregular && options.IrregularSpacing == IrregularSpacingPolicy.Refuse)
        {
            throw new InvalidImageFileException($"series {series.Id} is not evenly spaced: {string.Join("; ", stack.Irregularities)}", where, "ImagePositionPatient", "load it with irregular spacing set to warn or resample");
        }

        var warnings = new List<string>(series.Warnings);
        var format = stack.Ordered[0].Format;
        int count = stack.Ordered.Count;
        long frameBytes = format.FrameBytes;
        var readers = new Dictionary<DicomFile, DicomPixelReader>();
        foreach (var slice in stack.Ordered)
        {
            if (!readers.ContainsKey(slice.File))
            {
                readers[slice.File] = new DicomPixelReader(slice.File);
            }
        }

        var raw = PixelAllocator.Allocate(checked(frameBytes * count), options.Allocation);
        HugePages.Advise(raw);
        try
        {
            var minimum = new double[count];
            var maximum = new double[count];
            int done = 0;
            // The common CT case (16-bit, slope 1, integer intercept) is rescaled in the same pass that reads each slice,
            // while it is in cache: 16-bit wrapping addition is exact whenever the result fits int16, and is undone below
            // in the rare case that it does not.
            bool fused = options.ApplyRescale && format.BitsAllocated == 16 && format.SamplesPerPixel == 1
                && !(format.IsMonochrome1 && options.InvertMonochrome1)
                && stack.Ordered.All(s => s.Slope == 1 && s.Intercept == Math.Round(s.Intercept) && Math.Abs(s.Intercept) <= short.MaxValue)
                && stack.Ordered.Any(s => s.Intercept != 0);
            RunParallel(count, options.MaxParallelism, k =>
            {
                var slice = stack.Ordered[k];
                var reader = readers[slice.File];
                var destination = raw.GetSpan(k * frameBytes, (int)frameBytes);
                reader.DecodeFrame(slice.Frame, destination);
                if (fused)
                {
                    ushort add = unchecked((ushort)(short)slice.Intercept);
                    (minimum[k], maximum[k]) = format.IsSigned
                        ? MinMaxAndAdd<short>(destination, unchecked((short)add))
                        : MinMaxAndAdd<ushort>(destination, add);
                }
                else
                {
                    (minimum[k], maximum[k]) = Range(destination, format.StoredType);
                }

                int n = Interlocked.Increment(ref done);
                options.Progress?.Report(new DicomProgress("load", n, count));
            });

            ElementType type;
            if (fused && FitsInt16(stack, minimum, maximum))
            {
                type = ElementType.Int16;
            }
            else
            {
                if (fused)
                {
                    Undo(raw, stack, frameBytes, options.MaxParallelism);
                }

                if (format.IsMonochrome1 && options.InvertMonochrome1)
                {
                    Invert(raw, format, count, minimum, maximum);
                    warnings.Add("MONOCHROME1: values inverted so that higher is brighter");
                }

                (type, raw) = Rescale(raw, stack, format, minimum, maximum, options);
            }

            if (format.SamplesPerPixel == 3 && format.Photometric.StartsWith("YBR_FULL", StringComparison.Ordinal) && options.ConvertYbrToRgb && type == ElementType.UInt8)
            {
                YbrToRgb(raw.GetSpan(0, (int)raw.Length));
            }

            var geometry = new ImageGeometry(stack.Size, stack.Spacing, stack.Origin, stack.Direction);
            var image = Image.Wrap(geometry, type, format.SamplesPerPixel, raw);
            raw = null;
            image.IsColor = format.SamplesPerPixel == 3;
            image.Metadata["Modality"] = series.Modality ?? string.Empty;
            image.Metadata["SeriesInstanceUID"] = series.SeriesInstanceUID;
            image.Metadata["StudyInstanceUID"] = series.StudyInstanceUID;
            if (!string.IsNullOrEmpty(series.Description))
            {
                image.Metadata["SeriesDescription"] = series.Description;
            }

            if (stack.IsIrregular && options.IrregularSpacing == IrregularSpacingPolicy.Resample)
            {
                var resampled = Resample(image, stack, options.Allocation);
                image.Dispose();
                image = resampled;
                warnings.Add($"resampled onto {stack.Z} -> {image.Size.Z} evenly spaced slices of {stack.Spacing.Z:0.###} mm (linear interpolation along the normal)");
            }
            else if (stack.IsIrregular)
            {
                warnings.Add($"loaded with an even spacing of {stack.Spacing.Z:0.###} mm although the slices are not evenly spaced: slices after a gap are misplaced");
            }

            return new DicomVolume(image, warnings, series);
        }
        finally
        {
            raw?.Release();
        }
    }

    /// <summary>Parallel.For that rethrows the first failure itself (a one-line MedVoxException) rather than an AggregateException.</summary>
    private static void RunParallel(int count, int parallelism, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, body);
        }
        catch (AggregateException ex)
        {
            var first = ex.Flatten().InnerExceptions.OrderBy(e => e is MedVoxException ? 0 : 1).First();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }

    private static string List(List<DicomSeriesInfo> series) =>
        string.Join("; ", series.Take(12).Select(Describe)) + (series.Count > 12 ? "; ..." : string.Empty);

    private static string Describe(DicomSeriesInfo s)
    {
        // Small side stacks (a stray slice of another size) are named by file, so the user can find and remove them.
        string files = s.StackCount > 1 && s.FileCount <= 3
            ? ": " + string.Join(", ", s.Stack.Ordered.Select(x => x.File.Path).Distinct())
            : string.Empty;
        return $"{s.Id} ({s.Modality} '{s.Description}', {s.SliceCount} slices {s.Size}{files})";
    }

    private static bool FitsInt16(DicomSliceStack stack, double[] minimum, double[] maximum)
    {
        for (int k = 0; k < minimum.Length; k++)
        {
            double intercept = stack.Ordered[k].Intercept;
            if (minimum[k] + intercept < short.MinValue || maximum[k] + intercept > short.MaxValue)
            {
                return false;
            }
        }

        return true;
    }

    private static void Undo(PixelBuffer raw, DicomSliceStack stack, long frameBytes, int parallelism) =>
        RunParallel(stack.Ordered.Count, parallelism, k =>
        {
            var values = MemoryMarshal.Cast<byte, ushort>(raw.GetSpan(k * frameBytes, (int)frameBytes));
            ushort intercept = unchecked((ushort)(short)stack.Ordered[k].Intercept);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = unchecked((ushort)(values[i] - intercept));
            }
        });

    /// <summary>Min and max of the stored values, and each value replaced by value + <paramref name="add"/> (wrapping), in one pass.</summary>
    private static (double, double) MinMaxAndAdd<T>(Span<byte> bytes, T add)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        var values = MemoryMarshal.Cast<byte, T>(bytes);
        var vmin = new Vector<T>(T.MaxValue);
        var vmax = new Vector<T>(T.MinValue);
        var vadd = new Vector<T>(add);
        int i = 0;
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var v = new Vector<T>(values[i..]);
            vmin = Vector.Min(vmin, v);
            vmax = Vector.Max(vmax, v);
            (v + vadd).CopyTo(values[i..]);
        }

        T min = T.MaxValue, max = T.MinValue;
        for (int j = 0; j < Vector<T>.Count; j++)
        {
            min = T.Min(min, vmin[j]);
            max = T.Max(max, vmax[j]);
        }

        for (; i < values.Length; i++)
        {
            min = T.Min(min, values[i]);
            max = T.Max(max, values[i]);
            values[i] = unchecked(values[i] + add);
        }

        return (double.CreateTruncating(min), double.CreateTruncating(max));
    }

    private static (double Min, double Max) Range(Span<byte> data, ElementType type) => type switch
    {
        ElementType.UInt8 => MinMax<byte>(data),
        ElementType.Int8 => MinMax<sbyte>(data),
        ElementType.UInt16 => MinMax<ushort>(data),
        ElementType.Int16 => MinMax<short>(data),
        ElementType.UInt32 => MinMax<uint>(data),
        ElementType.Int32 => MinMax<int>(data),
        _ => (0, 0),
    };

    private static (double, double) MinMax<T>(Span<byte> bytes)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        var values = MemoryMarshal.Cast<byte, T>(bytes);
        var vmin = new Vector<T>(T.MaxValue);
        var vmax = new Vector<T>(T.MinValue);
        int i = 0;
        for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
        {
            var v = new Vector<T>(values[i..]);
            vmin = Vector.Min(vmin, v);
            vmax = Vector.Max(vmax, v);
        }

        T min = T.MaxValue, max = T.MinValue;
        for (int j = 0; j < Vector<T>.Count; j++)
        {
            min = T.Min(min, vmin[j]);
            max = T.Max(max, vmax[j]);
        }

        for (; i < values.Length; i++)
        {
            min = T.Min(min, values[i]);
            max = T.Max(max, values[i]);
        }

        return (double.CreateTruncating(min), double.CreateTruncating(max));
    }

    private static void Invert(PixelBuffer raw, DicomPixelFormat format, int count, double[] minimum, double[] maximum)
    {
        // Reflect within the stored range: unsigned v -> (2^bits - 1) - v, signed v -> -1 - v.
        long top = format.IsSigned ? -1 : (1L << format.BitsStored) - 1;
        long frameBytes = format.FrameBytes;
        for (int k = 0; k < count; k++)
        {
            var span = raw.GetSpan(k * frameBytes, (int)frameBytes);
            switch (format.StoredType)
            {
                case ElementType.UInt8: foreach (ref var v in span) { v = (byte)(top - v); } break;
                case ElementType.Int8: foreach (ref var v in MemoryMarshal.Cast<byte, sbyte>(span)) { v = (sbyte)(top - v); } break;
                case ElementType.UInt16: foreach (ref var v in MemoryMarshal.Cast<byte, ushort>(span)) { v = (ushort)(top - v); } break;
                case ElementType.Int16: foreach (ref var v in MemoryMarshal.Cast<byte, short>(span)) { v = (short)(top - v); } break;
                case ElementType.UInt32: foreach (ref var v in MemoryMarshal.Cast<byte, uint>(span)) { v = (uint)(top - v); } break;
                case ElementType.Int32: foreach (ref var v in MemoryMarshal.Cast<byte, int>(span)) { v = (int)(top - v); } break;
            }

            (minimum[k], maximum[k]) = (top - maximum[k], top - minimum[k]);
        }
    }

    private static (ElementType, PixelBuffer) Rescale(PixelBuffer raw, DicomSliceStack stack, DicomPixelFormat format, double[] minimum, double[] maximum, DicomLoadOptions options)
    {
        var slices = stack.Ordered;
        bool identity = slices.All(s => s.Slope == 1 && s.Intercept == 0);
        if (!options.ApplyRescale || identity || format.SamplesPerPixel != 1 || format.IsFloat)
        {
            return (format.StoredType, raw);
        }

        bool integral = slices.All(s => s.Slope == Math.Round(s.Slope) && s.Intercept == Math.Round(s.Intercept));
        double low = double.MaxValue, high = double.MinValue;
        for (int k = 0; k < slices.Count; k++)
        {
            double a = (minimum[k] * slices[k].Slope) + slices[k].Intercept;
            double b = (maximum[k] * slices[k].Slope) + slices[k].Intercept;
            low = Math.Min(low, Math.Min(a, b));
            high = Math.Max(high, Math.Max(a, b));
        }

        bool fitsInt16 = integral && low >= short.MinValue && high <= short.MaxValue;
        long frameBytes = format.FrameBytes;
        int pixels = (int)format.PixelsPerFrame;
        if (fitsInt16 && format.BitsAllocated == 16)
        {
            // In place: 16-bit wrapping arithmetic gives the exact result whenever it fits int16, for signed and unsigned input.
            Parallel.For(0, slices.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelism) }, k =>
            {
                var values = MemoryMarshal.Cast<byte, ushort>(raw.GetSpan(k * frameBytes, (int)frameBytes));
                ushort slope = unchecked((ushort)(long)slices[k].Slope), intercept = unchecked((ushort)(long)slices[k].Intercept);
                if (slope == 1)
                {
                    var add = new Vector<ushort>(intercept);
                    int i = 0;
                    for (; i <= values.Length - Vector<ushort>.Count; i += Vector<ushort>.Count)
                    {
                        (new Vector<ushort>(values[i..]) + add).CopyTo(values[i..]);
                    }

                    for (; i < values.Length; i++)
                    {
                        values[i] = unchecked((ushort)(values[i] + intercept));
                    }
                }
                else
                {
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = unchecked((ushort)((values[i] * slope) + intercept));
                    }
                }
            });
            return (ElementType.Int16, raw);
        }

        var outputType = fitsInt16 ? ElementType.Int16 : ElementType.Float32;
        var output = PixelAllocator.Allocate(checked((long)pixels * outputType.Size() * slices.Count), options.Allocation);
        try
        {
            Parallel.For(0, slices.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxParallelism) }, k =>
            {
                var source = raw.GetSpan(k * frameBytes, (int)frameBytes);
                double slope = slices[k].Slope, intercept = slices[k].Intercept;
                var target = output.GetSpan((long)k * pixels * outputType.Size(), pixels * outputType.Size());
                for (int i = 0; i < pixels; i++)
                {
                    double value = (Sample(source, format.StoredType, i) * slope) + intercept;
                    if (outputType == ElementType.Int16)
                    {
                        MemoryMarshal.Write(target[(2 * i)..], (short)value);
                    }
                    else
                    {
                        MemoryMarshal.Write(target[(4 * i)..], (float)value);
                    }
                }
            });
            raw.Release();
            return (outputType, output);
        }
        catch
        {
            output.Release();
            throw;
        }
    }

    private static double Sample(ReadOnlySpan<byte> data, ElementType type, int i) => type switch
    {
        ElementType.UInt8 => data[i],
        ElementType.Int8 => (sbyte)data[i],
        ElementType.UInt16 => MemoryMarshal.Read<ushort>(data[(2 * i)..]),
        ElementType.Int16 => MemoryMarshal.Read<short>(data[(2 * i)..]),
        ElementType.UInt32 => MemoryMarshal.Read<uint>(data[(4 * i)..]),
        _ => MemoryMarshal.Read<int>(data[(4 * i)..]),
    };

    /// <summary>YCbCr (full range) to RGB as PS3.3 C.7.6.3.1.2 gives it, rounded and clamped (pydicom's convert_color_space formula).</summary>
    private static void YbrToRgb(Span<byte> data)
    {
        for (int i = 0; i + 2 < data.Length; i += 3)
        {
            float y = data[i], cb = data[i + 1] - 128f, cr = data[i + 2] - 128f;
            float r = y + (1.402f * cr);
            float g = y - (0.114f * 1.772f / 0.587f * cb) - (0.299f * 1.402f / 0.587f * cr);
            float b = y + (1.772f * cb);
            data[i] = (byte)Math.Clamp(MathF.Floor(r + 0.5f), 0, 255);
            data[i + 1] = (byte)Math.Clamp(MathF.Floor(g + 0.5f), 0, 255);
            data[i + 2] = (byte)Math.Clamp(MathF.Floor(b + 0.5f), 0, 255);
        }
    }

    /// <summary>Linear interpolation along the normal onto an even grid from the first to the last position.</summary>
    private static Image Resample(Image source, DicomSliceStack stack, AllocationOptions allocation)
    {
        var d = stack.Distances;
        double spacing = stack.Spacing.Z;
        int z = (int)Math.Round((d[^1] - d[0]) / spacing) + 1;
        var size = source.Size.T > 1 ? ImageSize.Of4D(source.Size.X, source.Size.Y, z, source.Size.T) : ImageSize.Of3D(source.Size.X, source.Size.Y, z);
        var geometry = new ImageGeometry(size, source.Geometry.Spacing, source.Geometry.Origin, source.Geometry.Direction);
        var target = Image.Create(geometry, source.ElementType, source.Channels, allocation);
        target.IsColor = source.IsColor;
        foreach (var (key, value) in source.Metadata)
        {
            target.Metadata[key] = value;
        }

        var weights = new (int Below, int Above, double W)[z];
        int below = 0;
        for (int k = 0; k < z; k++)
        {
            double at = d[0] + (k * spacing);
            while (below + 1 < d.Length - 1 && d[below + 1] <= at)
            {
                below++;
            }

            int above = Math.Min(below + 1, d.Length - 1);
            weights[k] = (below, above, above == below ? 0 : Math.Clamp((at - d[below]) / (d[above] - d[below]), 0, 1));
        }

        var visitor = new ResampleVisitor(source, target, weights);
        source.ElementType.Dispatch(ref visitor);
        return target;
    }

    /// <summary>Blends row pairs in the image's own type (rounding to nearest for integers), slab by slab in parallel.</summary>
    private readonly struct ResampleVisitor(Image source, Image target, (int Below, int Above, double W)[] weights) : IElementVisitor
    {
        public void Visit<T>()
            where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var src = source;
            var dst = target;
            var w = weights;
            bool integer = !src.ElementType.IsFloatingPoint();
            Parallel.For(0, (long)dst.Size.Z * dst.Size.T, slab =>
            {
                int k = (int)(slab % dst.Size.Z), t = (int)(slab / dst.Size.Z);
                var (lower, upper, weight) = w[k];
                for (int y = 0; y < dst.Size.Y; y++)
                {
                    var a = src.GetRow<T>(y, lower, t);
                    var b = src.GetRow<T>(y, upper, t);
                    var o = dst.GetRow<T>(y, k, t);
                    for (int i = 0; i < o.Length; i++)
                    {
                        double va = double.CreateTruncating(a[i]);
                        double value = va + ((double.CreateTruncating(b[i]) - va) * weight);
                        o[i] = T.CreateSaturating(integer ? Math.Round(value) : value);
                    }
                }
            });
        }
    }
}
