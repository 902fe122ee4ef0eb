namespace MedVox.Learning.Training;

/// <summary>
/// Splits case identifiers into folds as nnU-Net does (five folds over the identifiers sorted ordinally, shuffled with a
/// fixed seed), so that a fold names the same validation cases on every machine.
/// </summary>
public static class CrossValidation
{
    public const int DefaultFolds = 5;

    /// <summary>Fold value meaning "train on every case, validate on none".</summary>
    public const int AllCases = -1;

    /// <summary>
    /// Training and validation identifiers of fold <paramref name="fold"/> (0 to folds - 1; fewer folds when there are
    /// fewer cases), or all cases for training with <see cref="AllCases"/>.
    /// </summary>
    public static (IReadOnlyList<string> Training, IReadOnlyList<string> Validation) Split(IReadOnlyList<string> caseIds, int fold, int folds = DefaultFolds, ulong seed = 12345)
    {
        ArgumentNullException.ThrowIfNull(caseIds);
        var ids = caseIds.Order(StringComparer.Ordinal).ToArray();
        if (fold == AllCases)
        {
            return (ids, []);
        }

        int count = Math.Min(folds, ids.Length);
        if (count < 2)
        {
            throw new MedVoxException($"cross-validation needs at least 2 cases, the dataset has {ids.Length}", field: "--fold", hint: "train on all cases with --fold all");
        }

        if (fold < 0 || fold >= count)
        {
            throw new MedVoxException($"fold {fold} does not exist: {ids.Length} cases give folds 0 to {count - 1}", field: "--fold");
        }

        // Fisher-Yates with the data pipeline's generator: the permutation depends on the seed and the identifiers only.
        var random = new Data.DataRandom(seed, purpose: 5);
        for (int i = ids.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (ids[i], ids[j]) = (ids[j], ids[i]);
        }

        var training = new List<string>();
        var validation = new List<string>();
        for (int i = 0; i < ids.Length; i++)
        {
            (i % count == fold ? validation : training).Add(ids[i]);
        }

        training.Sort(StringComparer.Ordinal);
        validation.Sort(StringComparer.Ordinal);
        return (training, validation);
    }
}
