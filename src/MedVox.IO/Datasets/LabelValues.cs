using MedVox.Imaging;

namespace MedVox.IO.Datasets;

/// <summary>The distinct values of a label image, read row by row.</summary>
public static class LabelValues
{
    /// <summary>The distinct values (as long) and whether any value is not an integer (floating-point labels).</summary>
    public static (SortedSet<long> Values, bool NonInteger) Distinct(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        switch (image.ElementType)
        {
            case ElementType.UInt8:
            case ElementType.Int8:
            case ElementType.UInt16:
            case ElementType.Int16:
                return (SmallIntegers(image), false);
            default:
                return Generic(image);
        }

        static SortedSet<long> SmallIntegers(Image image)
        {
            var seen = new bool[65536];
            var size = image.Size;
            int offset = image.ElementType is ElementType.Int8 or ElementType.Int16 ? 32768 : 0;
            for (int t = 0; t < size.T; t++)
            {
                for (int z = 0; z < size.Z; z++)
                {
                    for (int y = 0; y < size.Y; y++)
                    {
                        switch (image.ElementType)
                        {
                            case ElementType.UInt8:
                                foreach (byte v in image.GetRow<byte>(y, z, t))
                                {
                                    seen[v] = true;
                                }

                                break;
                            case ElementType.Int8:
                                foreach (sbyte v in image.GetRow<sbyte>(y, z, t))
                                {
                                    seen[v + offset] = true;
                                }

                                break;
                            case ElementType.UInt16:
                                foreach (ushort v in image.GetRow<ushort>(y, z, t))
                                {
                                    seen[v] = true;
                                }

                                break;
                            default:
                                foreach (short v in image.GetRow<short>(y, z, t))
                                {
                                    seen[v + offset] = true;
                                }

                                break;
                        }
                    }
                }
            }

            var values = new SortedSet<long>();
            for (int i = 0; i < seen.Length; i++)
            {
                if (seen[i])
                {
                    values.Add(i - offset);
                }
            }

            return values;
        }

        static (SortedSet<long>, bool) Generic(Image image)
        {
            var values = new SortedSet<long>();
            bool nonInteger = false;
            var size = image.Size;
            for (int t = 0; t < size.T; t++)
            {
                for (int z = 0; z < size.Z; z++)
                {
                    for (int y = 0; y < size.Y; y++)
                    {
                        for (int x = 0; x < size.X * image.Channels; x++)
                        {
                            double v = image.GetValue(x / image.Channels, y, z, t, x % image.Channels);
                            if (v != Math.Floor(v) || !double.IsFinite(v))
                            {
                                nonInteger = true;
                            }
                            else if (values.Count < 100_000)
                            {
                                values.Add((long)v);
                            }
                        }
                    }
                }
            }

            return (values, nonInteger);
        }
    }
}
