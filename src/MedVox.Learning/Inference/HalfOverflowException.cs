namespace MedVox.Learning.Inference;

/// <summary>The float16 logits accumulated on the device outgrew float16 (checked at finalisation): the case runs again in float32.</summary>
internal sealed class HalfOverflowException : Exception
{
}
