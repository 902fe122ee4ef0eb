using MedVox.IO.Datasets;
using MedVox.Learning.Data;

namespace MedVox.Learning.Classification;

/// <summary>
/// A deterministic stratified split into training and held-out validation entries: within each class the entries are
/// shuffled with the seed and <see cref="Fraction"/> of them (rounded, at least one when the class has two or more) are
/// held out, so both parts keep the class proportions. Entries are split one by one: slices of one patient can land on
/// both sides, so for real data give a separate validation dataset split by patient.
/// </summary>
public sealed record ClassificationSplit(IReadOnlyList<int> Training, IReadOnlyList<int> Validation, double Fraction)
{
    public static ClassificationSplit Stratified(IReadOnlyList<ClassificationEntry> entries, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (!(fraction >= 0 && fraction < 1))
        {
            throw new MedVoxException($"the validation fraction must be in [0, 1), got {fraction}", field: "--val-fraction");
        }

        var byClass = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < entries.Count; i++)
        {
            if (!byClass.TryGetValue(entries[i].Label, out var list))
            {
                list = [];
                byClass[entries[i].Label] = list;
            }

            list.Add(i);
        }

        var training = new List<int>();
        var validation = new List<int>();
        foreach (var (label, members) in byClass)
        {
            var random = new DataRandom(seed, label, purpose: 21);
            for (int i = members.Count - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }

            int held = fraction == 0 || members.Count < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * members.Count), 1, members.Count - 1);
            validation.AddRange(members.Take(held));
            training.AddRange(members.Skip(held));
        }

        training.Sort();
        validation.Sort();
        return new ClassificationSplit(training, validation, fraction);
    }
}
