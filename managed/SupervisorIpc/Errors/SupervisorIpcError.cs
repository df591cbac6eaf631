namespace SupervisorIpc;

/// <summary>What went wrong in a socket operation; the values equal the native library's <c>svipc_status</c> codes.</summary>
public enum SupervisorIpcError
{
    /// <summary>The peer closed the connection in an orderly way at a frame boundary.</summary>
    Closed = 1,

    /// <summary>The peer closed the connection in the middle of a frame or a descriptor carrier.</summary>
    Truncated = 2,

    /// <summary>A payload, or a length prefix received from the peer, exceeds the 64 KiB protocol limit.</summary>
    TooLarge = 3,

    /// <summary>The read, send or accept timeout expired.</summary>
    Timeout = 4,

    /// <summary>A descriptor was expected but the peer sent frame data; the frame is kept.</summary>
    NoDescriptor = 5,

    /// <summary>The peer broke the protocol (bad carrier, several descriptors, truncated control data, ...).</summary>
    ProtocolViolation = 6,

    /// <summary>An earlier error left the stream position unknown; the direction is unusable.</summary>
    Desynchronized = 7,

    /// <summary>The socket path does not fit in a Unix socket address.</summary>
    PathTooLong = 8,

    /// <summary>Another socket is listening at the path, or a file that is not a socket is in the way.</summary>
    AddressInUse = 9,

    /// <summary>A parameter was invalid (for example a descriptor that is not a Unix stream socket).</summary>
    InvalidArgument = 10,

    /// <summary>The operation is not supported on this platform or for this kind of descriptor.</summary>
    Unsupported = 11,

    /// <summary>An operating system call failed; <see cref="SupervisorSocketException.Errno"/> holds its error.</summary>
    SystemError = 12,

    /// <summary>The caller's buffer is smaller than the frame; the frame is kept for the next receive.</summary>
    BufferTooSmall = 13,

    /// <summary>The socket was shut down while the call was blocked, or before it.</summary>
    ShutDown = 14,

    /// <summary>A listener refused a peer whose user id is not allowed.</summary>
    PeerRejected = 15,

    /// <summary>The opened file lies outside every allowed root (a symbolic link or a non-regular file led elsewhere).</summary>
    NotConfined = 16,

    /// <summary>
    /// A payload is not a valid protocol message (native typed-message calls; the managed codec reports it as
    /// <see cref="SupervisorMessageFormatException"/>).
    /// </summary>
    MalformedMessage = 17,

    /// <summary>
    /// A native call on a socket in non-blocking mode could not go on without waiting (the C API's event-loop mode);
    /// what was received so far is kept, and a refused send accepted nothing.
    /// </summary>
    WouldBlock = 18,
}
