using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace ActorPush.Host.Pages;

/// <summary>
/// The pages the server ships, embedded in the Host assembly so they come with every build and every test run:
/// <c>/</c> (the demo), <c>/dashboard</c> (the live operations view; its data comes from <c>/api</c>, which keeps
/// its own access rule), <c>/actorpush.js</c> and <c>/actorpush.d.ts</c> (the browser client, embedded from
/// clients/js: one source for the npm folder and the server) and <c>/static/*</c> (the pages' CSS and scripts).
/// Each answer carries an ETag and <c>Cache-Control: no-cache</c>, so a browser revalidates and a new build is seen at once.
/// </summary>
internal static class StaticPages
{
    private const string Prefix = "pages/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".ts"] = "text/plain; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IEndpointRouteBuilder MapStaticPages(this IEndpointRouteBuilder endpoints)
    {
        var files = Load();
        void Map(string route, string name)
        {
            var file = files[name];
            endpoints.MapGet(route, (HttpContext http) => Serve(http, file));
        }

        Map("/", "index.html");
        Map("/dashboard", "dashboard.html");
        Map("/actorpush.js", "actorpush.js");
        Map("/actorpush.d.ts", "index.d.ts");
        foreach (var name in files.Keys.Where(name => name.StartsWith("static/", StringComparison.Ordinal)))
            Map("/" + name, name);
        return endpoints;
    }

    private static IResult Serve(HttpContext http, StaticFile file)
    {
        var headers = http.Response.Headers;
        headers.ETag = file.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (http.Request.Headers.IfNoneMatch.Contains(file.ETag))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(file.Content, file.ContentType);
    }

    private static Dictionary<string, StaticFile> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var files = new Dictionary<string, StaticFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var name = resource[Prefix.Length..];
            var etag = "\"" + Convert.ToHexString(SHA256.HashData(content).AsSpan(0, 8)) + "\"";
            files[name] = new StaticFile(content, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"), etag);
        }

        return files;
    }

    private sealed record StaticFile(byte[] Content, string ContentType, string ETag);
}
