namespace MedVox.Dicom;

/// <summary>How pixel data of a transfer syntax is stored.</summary>
public enum PixelEncoding
{
    /// <summary>Uncompressed, in the data set's byte order.</summary>
    Native,
    Rle,
    JpegBaseline,
    JpegExtended,
    JpegLossless,
    JpegLS,
    Jpeg2000,

    /// <summary>A compressed syntax MedVox does not decode (MPEG, HEVC, HTJ2K, JPIP...).</summary>
    Other,
}

/// <summary>A transfer syntax: byte order and VR encoding of the data set, and how pixel data is compressed.</summary>
public sealed record TransferSyntax(string Uid, string Name, bool ExplicitVR, bool BigEndian, bool Deflated, PixelEncoding Pixels)
{
    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, PixelEncoding.Native);
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, PixelEncoding.Native);
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, PixelEncoding.Native);
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, PixelEncoding.Native);
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, PixelEncoding.Rle);
    public static readonly TransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, PixelEncoding.JpegBaseline);
    public static readonly TransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, false, PixelEncoding.JpegExtended);
    public static readonly TransferSyntax JpegLossless = new("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false, PixelEncoding.JpegLossless);
    public static readonly TransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", true, false, false, PixelEncoding.JpegLossless);

    private static readonly TransferSyntax[] Known =
    [
        ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, RleLossless,
        JpegBaseline, JpegExtended, JpegLossless, JpegLosslessSV1,
        new("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", true, false, false, PixelEncoding.JpegLS),
        new("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", true, false, false, PixelEncoding.JpegLS),
        new("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", true, false, false, PixelEncoding.Jpeg2000),
        new("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", true, false, false, PixelEncoding.Other),
        new("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", true, false, false, PixelEncoding.Other),
    ];

    /// <summary>True when pixel data is stored as encapsulated fragments.</summary>
    public bool IsEncapsulated => Pixels != PixelEncoding.Native;

    /// <summary>
    /// The syntax for <paramref name="uid"/>. Unknown UIDs are taken as explicit VR little endian with
    /// <see cref="PixelEncoding.Other"/> (PS3.5 10: every syntax but the three native ones is explicit VR little endian
    /// with encapsulated pixel data).
    /// </summary>
    public static TransferSyntax FromUid(string uid)
    {
        foreach (var known in Known)
        {
            if (known.Uid == uid)
            {
                return known;
            }
        }

        return new TransferSyntax(uid, $"unknown transfer syntax {uid}", true, false, false, PixelEncoding.Other);
    }

    public override string ToString() => $"{Name} ({Uid})";
}
