namespace MedVox.Learning.Training;

/// <summary>nnU-Net's poly schedule: lr(it) = lr0 * (1 - it / total)^exponent.</summary>
public static class PolyLearningRate
{
    public static double At(double initial, int iteration, int total, double exponent = 0.9) =>
        initial * Math.Pow(1 - (Math.Clamp(iteration, 0, total) / (double)total), exponent);
}
