// The studies train networks whose initial weights and dropout draw from LibTorch's global generator; side by side,
// one study's draws would land in another's initialisation, and the tiny settings' checks (the 3D U-Net beating the
// atlas, for one) would depend on the test order. They run one at a time (on 2 cores they share the cores anyway).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
