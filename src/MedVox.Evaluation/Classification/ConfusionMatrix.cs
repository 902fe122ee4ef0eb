namespace MedVox.Evaluation.Classification;

/// <summary>
/// Counts of (actual class, predicted class) pairs: rows are the actual class, columns the predicted one, as
/// scikit-learn's <c>confusion_matrix</c> lays them out.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count < 2)
        {
            throw new ArgumentException("A confusion matrix needs at least two classes.", nameof(classNames));
        }

        ClassNames = [.. classNames];
        _counts = new long[classNames.Count * classNames.Count];
    }

    public IReadOnlyList<string> ClassNames { get; }

    public int ClassCount => ClassNames.Count;

    /// <summary>Cases of actual class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _counts[(actual * ClassCount) + predicted];

    public long Total { get; private set; }

    /// <summary>Builds the matrix from actual and predicted class indices (0 .. classCount − 1).</summary>
    public static ConfusionMatrix FromLabels(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, IReadOnlyList<string> classNames)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"{actual.Length} actual labels but {predicted.Length} predictions.", nameof(predicted));
        }

        var matrix = new ConfusionMatrix(classNames);
        for (int i = 0; i < actual.Length; i++)
        {
            matrix.Add(actual[i], predicted[i]);
        }

        return matrix;
    }

    public void Add(int actual, int predicted)
    {
        if ((uint)actual >= (uint)ClassCount || (uint)predicted >= (uint)ClassCount)
        {
            throw new ArgumentOutOfRangeException(nameof(actual), $"Classes are 0..{ClassCount - 1}; got actual {actual}, predicted {predicted}.");
        }

        _counts[(actual * ClassCount) + predicted]++;
        Total++;
    }

    public long TruePositives(int c) => this[c, c];

    /// <summary>Cases predicted as <paramref name="c"/> that are another class.</summary>
    public long FalsePositives(int c) => PredictedCount(c) - this[c, c];

    /// <summary>Cases of class <paramref name="c"/> predicted as another class.</summary>
    public long FalseNegatives(int c) => ActualCount(c) - this[c, c];

    public long TrueNegatives(int c) => Total - ActualCount(c) - PredictedCount(c) + this[c, c];

    /// <summary>Cases of actual class <paramref name="c"/> (the support).</summary>
    public long ActualCount(int c)
    {
        long sum = 0;
        for (int p = 0; p < ClassCount; p++)
        {
            sum += this[c, p];
        }

        return sum;
    }

    public long PredictedCount(int c)
    {
        long sum = 0;
        for (int a = 0; a < ClassCount; a++)
        {
            sum += this[a, c];
        }

        return sum;
    }

    /// <summary>The counts as rows (actual) of columns (predicted).</summary>
    public long[][] ToArray()
    {
        var rows = new long[ClassCount][];
        for (int a = 0; a < ClassCount; a++)
        {
            rows[a] = _counts.AsSpan(a * ClassCount, ClassCount).ToArray();
        }

        return rows;
    }
}
