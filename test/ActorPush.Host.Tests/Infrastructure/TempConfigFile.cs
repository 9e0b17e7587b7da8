namespace ActorPush.Host.Tests.Infrastructure;

/// <summary>An override file for a server process, deleted when the test ends, whether it passed or not.</summary>
public sealed class TempConfigFile : IDisposable
{
    private TempConfigFile(string path) => Path = path;

    public string Path { get; }

    public static async Task<TempConfigFile> WriteAsync(string hocon)
    {
        var file = new TempConfigFile(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"actorpush-{Guid.NewGuid():N}.conf"));
        await File.WriteAllTextAsync(file.Path, hocon + "\n");
        return file;
    }

    public void Dispose() => File.Delete(Path);
}
