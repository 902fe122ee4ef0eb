// Build task: makes libLibTorchSharp.so (TorchSharp 0.107.0, linked against GCC 13's libstdc++) load on
// systems whose libstdc++ predates GLIBCXX_3.4.32 (Debian 12 ships GCC 12's). The library names that version
// only for std::ios_base_library_init(), a marker symbol no relocation uses, so marking the requirement weak
// (VER_FLG_WEAK in its Vernaux entry) is enough for the dynamic loader to accept the library.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class ElfVersionNeedPatch : Task
{
    private const ushort VerFlagWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string Version { get; set; } = "";

    /// <summary>Shared libraries whose version definitions are searched for <see cref="Version"/>.</summary>
    public string[] SystemLibraries { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        if (!OperatingSystemIsLinux())
        {
            return true;
        }

        foreach (var lib in SystemLibraries)
        {
            if (File.Exists(lib) && Contains(File.ReadAllBytes(lib), Encoding.ASCII.GetBytes(Version + "\0")))
            {
                Log.LogMessage(MessageImportance.Low, $"{lib} defines {Version}; nothing to patch.");
                return true;
            }
        }

        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                var bytes = File.ReadAllBytes(path);
                switch (MarkWeak(bytes, Version))
                {
                    case PatchResult.Patched:
                        File.WriteAllBytes(path, bytes);
                        Log.LogMessage(MessageImportance.High, $"MedVox: marked the {Version} requirement of {path} weak (system libstdc++ lacks it).");
                        break;
                    case PatchResult.AlreadyWeak:
                        Log.LogMessage(MessageImportance.Low, $"{path}: {Version} already weak.");
                        break;
                    case PatchResult.NotRequired:
                        Log.LogMessage(MessageImportance.Low, $"{path} does not require {Version}.");
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                Log.LogWarning($"MedVox: could not patch {path}: {ex.Message}");
            }
        }

        return !Log.HasLoggedErrors;
    }

    private static bool OperatingSystemIsLinux() => Environment.OSVersion.Platform == PlatformID.Unix && Directory.Exists("/proc");

    private enum PatchResult { NotRequired, AlreadyWeak, Patched }

    private static PatchResult MarkWeak(byte[] elf, string version)
    {
        // ELF64 little endian only: the only layout TorchSharp ships for Linux.
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            Check(elf, sh, 64);
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
            uint link = BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long strSh = shoff + (long)link * shentsize;
            Check(elf, strSh, 64);
            long strOffset = (long)BitConverter.ToUInt64(elf, (int)strSh + 0x18);

            long need = offset;
            while (true)
            {
                Check(elf, need, 16);
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < count; a++)
                {
                    Check(elf, aux, 16);
                    string name = ReadString(elf, strOffset + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (name == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            return PatchResult.AlreadyWeak;
                        }

                        flags |= VerFlagWeak;
                        elf[aux + 4] = (byte)flags;
                        elf[aux + 5] = (byte)(flags >> 8);
                        return PatchResult.Patched;
                    }

                    uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }
        }

        return PatchResult.NotRequired;
    }

    private static void Check(byte[] elf, long offset, int length)
    {
        if (offset < 0 || offset + length > elf.Length)
        {
            throw new InvalidDataException("ELF structure points past the end of the file");
        }
    }

    private static string ReadString(byte[] elf, long offset)
    {
        Check(elf, offset, 1);
        int end = (int)offset;
        while (end < elf.Length && elf[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(elf, (int)offset, end - (int)offset);
    }

    // The task factory compiles against netstandard2.0, so no span search here.
    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack[i] != needle[0])
            {
                continue;
            }

            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return true;
            }
        }

        return false;
    }
}
