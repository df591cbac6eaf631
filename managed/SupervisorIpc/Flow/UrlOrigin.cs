using System;

namespace SupervisorIpc;

/// <summary>The origin (scheme, host, port) of http and https URLs, as the URL allow-list compares them.</summary>
internal static class UrlOrigin
{
    /// <summary>Parses an absolute http(s) URL and gives its origin, e.g. <c>https://example.com:443</c>.</summary>
    public static bool TryGetOrigin(string text, out Uri? url, out string? origin)
    {
        url = null;
        origin = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(parsed.Host))
        {
            return false;
        }

        url = parsed;
        origin = $"{parsed.Scheme}://{parsed.IdnHost.ToLowerInvariant()}:{parsed.Port}";
        return true;
    }
}
