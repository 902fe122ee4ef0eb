namespace MedVox.Slides.Models;

/// <summary>Scores a probability pyramid streamed a strip at a time: tumour pixels (≥ 128 of 255) and Dice against a 0/255 truth mask.</summary>
public static class SlideMetrics
{
    /// <summary>
    /// Tumour pixels of level 0 of <paramref name="probabilityPath"/>, and when <paramref name="truthPath"/> is given,
    /// Dice against the truth level of the same size (so a prediction made at level 2 is scored on the mask's level 2).
    /// </summary>
    public static (long TumourPixels, double? Dice) Score(string probabilityPath, string? truthPath, CancellationToken cancellation = default)
    {
        using var prediction = SlideFile.Open(probabilityPath);
        using var truth = truthPath is null ? null : SlideFile.Open(truthPath);
        var size = prediction.Levels[0];
        int truthLevel = -1;
        if (truth is not null)
        {
            for (int i = 0; i < truth.LevelCount; i++)
            {
                if (truth.Levels[i].Width == size.Width && truth.Levels[i].Height == size.Height)
                {
                    truthLevel = i;
                }
            }

            if (truthLevel < 0)
            {
                throw new MedVoxException($"the truth mask has no level of {size.Width}x{size.Height} (the prediction's size)", truthPath, hint: "give the mask of this slide");
            }
        }

        int width = (int)size.Width, strip = 256;
        var p = new byte[(long)width * strip * prediction.Channels];
        var g = truth is null ? [] : new byte[(long)width * strip * truth.Channels];
        long predicted = 0, actual = 0, both = 0;
        for (long y = 0; y < size.Height; y += strip)
        {
            cancellation.ThrowIfCancellationRequested();
            int rows = (int)Math.Min(strip, size.Height - y);
            prediction.ReadRegion(0, 0, y, width, rows, p, fill: 0);
            truth?.ReadRegion(truthLevel, 0, y, width, rows, g, fill: 0);
            int pc = prediction.Channels, gc = truth?.Channels ?? 1;
            for (long i = 0; i < (long)width * rows; i++)
            {
                bool isPredicted = p[i * pc] >= 128;
                predicted += isPredicted ? 1 : 0;
                if (truth is not null)
                {
                    bool isTrue = g[i * gc] >= 128;
                    actual += isTrue ? 1 : 0;
                    both += isPredicted && isTrue ? 1 : 0;
                }
            }
        }

        double? dice = truth is null ? null : predicted + actual == 0 ? 1.0 : 2.0 * both / (predicted + actual);
        return (predicted, dice);
    }
}
