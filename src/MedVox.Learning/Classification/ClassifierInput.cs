using System.Text.Json.Serialization;
using MedVox.Imaging;
using MedVox.Learning.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace MedVox.Learning.Classification;

/// <summary>
/// What a classifier takes and how an image is made into it: a 2D image (or a volume of one slice) of
/// <see cref="ImageChannels"/> channels is normalised (<see cref="Normalization"/>, on the original pixels, so that a
/// window clips before any averaging), padded to the input's aspect ratio (centred, with the channel's lowest value,
/// so nothing is stretched or cut off), then resized to <see cref="Height"/> x <see cref="Width"/>: area averaging
/// when shrinking (no aliasing), bilinear when enlarging. Training and prediction both go through <see cref="Prepare"/>.
/// </summary>
public sealed record ClassifierInput
{
    public int Height { get; init; } = 64;

    public int Width { get; init; } = 64;

    /// <summary>Channels of the images (1 for CT/MR/X-ray, 3 for colour photographs).</summary>
    public int ImageChannels { get; init; } = 1;

    public ClassifierNormalization Normalization { get; init; } = ClassifierNormalization.BrainCt;

    /// <summary>Channels the network sees (image channels times CT windows).</summary>
    [JsonIgnore]
    public int NetworkChannels => Normalization.NetworkChannels(ImageChannels);

    public void Validate()
    {
        if (Height is < 16 or > 4096 || Width is < 16 or > 4096)
        {
            throw new MedVoxException($"the input size {Height}x{Width} is out of range", field: "--size", hint: "use 16 to 4096 pixels per side (e.g. 64, 96, 224)");
        }

        if (ImageChannels is < 1 or > 16)
        {
            throw new MedVoxException($"{ImageChannels} image channels is out of range (1 to 16)");
        }

        Normalization.Validate();
    }

    /// <summary>
    /// The network input for <paramref name="image"/>: float32 [<see cref="NetworkChannels"/>, Height, Width] on the CPU.
    /// <paramref name="source"/> names the file in errors.
    /// </summary>
    public Tensor Prepare(Image image, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var size = image.Size;
        if (size.Z != 1 || size.T != 1)
        {
            throw new MedVoxException($"is a {size} volume; slice classification takes 2D images", source, hint: "give one file per slice (2D, or 3D with a single slice)");
        }

        if (image.Channels != ImageChannels)
        {
            throw new MedVoxException($"has {image.Channels} channel(s), the classifier takes {ImageChannels}", source, hint: "all images of a dataset need the same number of channels");
        }

        using var scope = NewDisposeScope();
        var pixels = ImageTensors.ToTensor(image).reshape(ImageChannels, size.Y, size.X);
        pixels = nan_to_num(pixels, 0, 0, 0);
        var x = Normalization.Apply(pixels);
        x = PadToAspect(x);
        if (x.shape[1] != Height || x.shape[2] != Width)
        {
            bool shrinking = x.shape[1] >= Height && x.shape[2] >= Width;
            x = interpolate(x.unsqueeze(0), [Height, Width], mode: shrinking ? InterpolationMode.Area : InterpolationMode.Bilinear, align_corners: shrinking ? null : false).squeeze(0);
        }

        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Pads [C, Y, X] symmetrically (rows or columns) to Height:Width, with each channel's minimum.</summary>
    private Tensor PadToAspect(Tensor x)
    {
        long rows = x.shape[1], columns = x.shape[2];

        // Compare rows/columns with Height/Width without rounding: rows * Width against columns * Height.
        long targetRows = rows, targetColumns = columns;
        if (rows * Width > columns * Height)
        {
            targetColumns = (long)Math.Round((double)rows * Width / Height);
        }
        else if (rows * Width < columns * Height)
        {
            targetRows = (long)Math.Round((double)columns * Height / Width);
        }

        if (targetRows == rows && targetColumns == columns)
        {
            return x;
        }

        var minimum = x.amin([1, 2], keepdim: true);
        var padded = minimum.expand(x.shape[0], targetRows, targetColumns).clone();
        long top = (targetRows - rows) / 2, left = (targetColumns - columns) / 2;
        padded.narrow(1, top, rows).narrow(2, left, columns).copy_(x);
        return padded;
    }
}
