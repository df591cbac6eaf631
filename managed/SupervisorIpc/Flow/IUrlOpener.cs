using System;
using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc;

/// <summary>
/// Opens a URL for a child, outside the sandbox (e.g. in the user's browser). The service calls it only for URLs
/// whose origin is in <see cref="SupervisorServiceOptions.AllowedUrlOrigins"/>.
/// </summary>
public interface IUrlOpener
{
    /// <summary>A short name for audit records.</summary>
    string Name { get; }

    /// <summary>Opens the URL.</summary>
    /// <param name="url">An absolute http or https URL whose origin is allowed.</param>
    /// <param name="cancellationToken">Cancelled when the service stops.</param>
    /// <returns>Completes when the URL was handed over.</returns>
    /// <exception cref="Exception">Any failure; the child is told that opening failed, without the details.</exception>
    ValueTask OpenAsync(Uri url, CancellationToken cancellationToken);
}
