using MedVox.Learning.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Networks;

/// <summary>
/// A configurable U-Net for 2D and 3D from one implementation (the number of spatial dimensions is a parameter):
/// encoder stages of conv-norm-LeakyReLU (or residual blocks), strided-convolution downsampling, transposed-convolution
/// upsampling, skip connections by concatenation, and optional deep-supervision heads. nnU-Net's PlainConvUNet and
/// ResEncUNet are the models for this layout.
/// </summary>
public sealed class UNet : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> encoder;
    private readonly ModuleList<Module<Tensor, Tensor>> upsample;
    private readonly ModuleList<Module<Tensor, Tensor>> decoder;
    private readonly ModuleList<Module<Tensor, Tensor>> heads;
    private readonly int[] totalStride;
    private bool _compactNormalization;

    public UNet(UNetConfig config)
        : base(nameof(UNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        int dims = config.Dimensions;
        totalStride = config.TotalStride();

        encoder = new ModuleList<Module<Tensor, Tensor>>();
        long inChannels = config.InputChannels;
        for (int s = 0; s < config.Stages; s++)
        {
            var blocks = new List<(string, Module<Tensor, Tensor>)>();
            for (int b = 0; b < config.EncoderBlocks[s]; b++)
            {
                var stride = b == 0 ? config.Strides[s] : ResidualBlock.Ones(dims);
                Module<Tensor, Tensor> block = config.ResidualEncoder
                    ? new ResidualBlock(dims, inChannels, config.Features[s], config.Kernels[s], stride)
                    : new ConvNormAct(dims, inChannels, config.Features[s], config.Kernels[s], stride);
                blocks.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
                inChannels = config.Features[s];
            }

            encoder.Add(Sequential(blocks));
        }

        upsample = new ModuleList<Module<Tensor, Tensor>>();
        decoder = new ModuleList<Module<Tensor, Tensor>>();
        heads = new ModuleList<Module<Tensor, Tensor>>();
        for (int s = config.Stages - 2; s >= 0; s--)
        {
            long below = config.Features[s + 1];
            long features = config.Features[s];
            upsample.Add(Layers.TransposedConvolution(dims, below, features, config.Strides[s + 1]));
            var convs = new List<(string, Module<Tensor, Tensor>)>();
            for (int c = 0; c < config.DecoderConvolutions; c++)
            {
                convs.Add((c.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    new ConvNormAct(dims, c == 0 ? 2 * features : features, features, config.Kernels[s], ResidualBlock.Ones(dims))));
            }

            decoder.Add(Sequential(convs));
            if (config.DeepSupervision || s == 0)
            {
                heads.Add(Layers.Convolution(dims, features, config.Classes, ResidualBlock.Ones(dims), ResidualBlock.Ones(dims)));
            }
        }

        RegisterComponents();
    }

    public UNetConfig Config { get; }

    /// <summary>
    /// Recompute stage activations in the backward pass instead of storing them (encoder and decoder stages), trading
    /// about one extra forward for most of the activation memory. Stages run and are recomputed one sample at a time
    /// (instance norm keeps samples independent), so a stage's intermediate maps exist for one sample of the batch, and
    /// a decoder stage convolves the upsampled map and the skip without concatenating them. The full-resolution decoder
    /// stage is recomputed together with its segmentation head, so its output map is never kept for the whole batch. A
    /// training option, not part of the architecture.
    /// </summary>
    public bool ActivationCheckpointing { get; set; }

    /// <summary>
    /// Train the conv-norm-LeakyReLU blocks with the norm and the activation as one autograd node that keeps only the
    /// block's output (<see cref="ConvNormAct.CompactBackward"/>): one map per block for the backward pass instead of
    /// two. Outputs are unchanged; gradients differ by rounding. A training option, not part of the architecture.
    /// </summary>
    public bool CompactNormalization
    {
        get => _compactNormalization;
        set
        {
            _compactNormalization = value;
            foreach (var block in modules().OfType<ConvNormAct>())
            {
                block.CompactBackward = value;
            }
        }
    }

    /// <summary>Logits at the input's resolution: [N, classes, (Z,) Y, X].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var outputs = Run(input, allHeads: false);
        return Standard(outputs[0]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Logits of every decoder stage, full resolution first (only the first when deep supervision is off). Used for
    /// deep-supervision training, where lower-resolution outputs are compared with downsampled targets.
    /// </summary>
    public Tensor[] ForwardAll(Tensor input)
    {
        using var scope = NewDisposeScope();
        var outputs = Run(input, allHeads: Config.DeepSupervision);
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = Standard(outputs[i]).MoveToOuterDisposeScope();
        }

        return outputs;
    }

    /// <summary>Logits in the standard layout, whatever the network's (channels-last weights give channels-last maps).</summary>
    private static Tensor Standard(Tensor logits) => ChannelsLast.Is(logits) ? logits.contiguous() : logits;

    /// <summary>Runs encoder stage <paramref name="stage"/> alone (used by activation checkpointing).</summary>
    public Tensor ForwardEncoderStage(int stage, Tensor input) => encoder[stage].forward(input);

    private Tensor[] Run(Tensor input, bool allHeads)
    {
        CheckInput(input);
        // Without autograd (inference) a decoder stage frees each map once its last reader has run and, from
        // SplitWidth channels on, convolves the upsampled map and the skip without concatenating them: the
        // full-resolution stage then holds about three maps of its width instead of six (the concatenation alone is two).
        bool inference = !is_grad_enabled();
        var skips = new Tensor[Config.Stages];
        var x = input;
        for (int s = 0; s < Config.Stages; s++)
        {
            var stage = encoder[s];
            x = ActivationCheckpointing ? ActivationCheckpoint.Apply(t => stage.forward(t[0]), perSample: true, x) : stage.forward(x);
            skips[s] = x;
        }

        var outputs = new List<Tensor>();
        int head = 0;
        for (int d = 0; d < Config.Stages - 1; d++)
        {
            int s = Config.Stages - 2 - d;
            var (up, stage) = (upsample[d], decoder[d]);
            if (ActivationCheckpointing && !inference && s == 0)
            {
                // The full-resolution stage and its head are recomputed together: only the logits leave the stage,
                // so neither its output map nor that map's gradient exists for the whole batch (the logits have
                // fewer channels than the stage, and the loss keeps them anyway).
                var last = heads[head];
                outputs.Add(ActivationCheckpoint.Apply(t => last.forward(DecoderStage(up, stage, t[0], t[1], split: true)), perSample: true, x, skips[s]));
                break;
            }

            x = inference
                ? ConsumingDecoderStage(up, stage, x, skips[s])
                : ActivationCheckpointing
                ? ActivationCheckpoint.Apply(t => DecoderStage(up, stage, t[0], t[1], split: true), perSample: true, x, skips[s])
                : DecoderStage(up, stage, x, skips[s], split: false);
            if (Config.DeepSupervision || s == 0)
            {
                if (allHeads || s == 0)
                {
                    outputs.Add(heads[head].forward(x));
                }

                head++;
            }
        }

        outputs.Reverse();
        return [.. outputs];
    }

    private static Tensor DecoderStage(Module<Tensor, Tensor> up, Module<Tensor, Tensor> stage, Tensor below, Tensor skip, bool split)
    {
        using var scope = NewDisposeScope();
        if (!split)
        {
            return stage.forward(cat([up.forward(below), skip], dim: 1)).MoveToOuterDisposeScope();
        }

        // Under checkpointing the first block convolves the upsampled map and the skip without concatenating them: the
        // concatenation and its gradient would be the largest maps of the recomputed stage.
        var blocks = Blocks(stage);
        var x = ((ConvNormAct)blocks[0]).ForwardConcatenated(up.forward(below), skip);
        for (int b = 1; b < blocks.Length; b++)
        {
            x = blocks[b].forward(x);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The narrowest stage whose first block convolves its two inputs separately in inference. Measured on the CPU
    /// (`compare inference-memory --patch 64 --features F,2F --channels-last`): from 12 channels on, two convolutions
    /// of F channels need 20-25% less memory than one of 2F and are as fast or faster (16: 0.24 vs 0.42 s); below,
    /// where oneDNN unfolds the input instead of using its direct kernels, they are 15-55% slower and save nothing.
    /// </summary>
    private const int SplitWidth = 12;

    /// <summary>
    /// A decoder stage for inference: <paramref name="below"/> and <paramref name="skip"/> (maps <see cref="Run"/>
    /// made and reads nowhere else) are disposed as soon as they have been convolved, as are the blocks' inputs. A
    /// stage narrower than <see cref="SplitWidth"/> concatenates as before.
    /// </summary>
    private static Tensor ConsumingDecoderStage(Module<Tensor, Tensor> up, Module<Tensor, Tensor> stage, Tensor below, Tensor skip)
    {
        var upsampled = up.forward(below);
        below.Dispose();
        var blocks = Blocks(stage);
        Tensor x;
        if (skip.shape[1] >= SplitWidth)
        {
            x = ((ConvNormAct)blocks[0]).ForwardConcatenated(upsampled, skip, consume: true);
        }
        else
        {
            var joined = cat([upsampled, skip], dim: 1);
            upsampled.Dispose();
            skip.Dispose();
            x = blocks[0].forward(joined);
            joined.Dispose();
        }

        for (int b = 1; b < blocks.Length; b++)
        {
            var next = blocks[b].forward(x);
            x.Dispose();
            x = next;
        }

        return x;
    }

    private static Module<Tensor, Tensor>[] Blocks(Module<Tensor, Tensor> stage) => [.. stage.children().Cast<Module<Tensor, Tensor>>()];

    private void CheckInput(Tensor input)
    {
        int rank = Config.Dimensions + 2;
        if (input.dim() != rank)
        {
            throw new ArgumentException($"{Config.Dimensions}D U-Net expects input [N, C, {(Config.Dimensions == 3 ? "Z, " : string.Empty)}Y, X] of rank {rank}, got shape [{string.Join(", ", input.shape)}].");
        }

        if (input.shape[1] != Config.InputChannels)
        {
            throw new ArgumentException($"U-Net expects {Config.InputChannels} input channel(s), got {input.shape[1]}.");
        }

        for (int a = 0; a < Config.Dimensions; a++)
        {
            if (input.shape[2 + a] % totalStride[a] != 0)
            {
                throw new ArgumentException($"Spatial size [{string.Join(", ", input.shape.Skip(2))}] must be a multiple of the total stride [{string.Join(", ", totalStride)}].");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            encoder.Dispose();
            upsample.Dispose();
            decoder.Dispose();
            heads.Dispose();
        }

        base.Dispose(disposing);
    }
}
