namespace SupervisorIpc;

/// <summary>In which order a <see cref="SupervisorService"/> sends a granted descriptor and its decision.</summary>
public enum GrantOrder
{
    /// <summary>The descriptor, then the <c>Decision</c> frame: the reference supervisor's order, which reference children expect.</summary>
    DescriptorFirst = 0,

    /// <summary>
    /// The <c>Decision</c> frame, then the descriptor. If sending the descriptor then fails, the grant cannot be
    /// retracted: serving ends with the error.
    /// </summary>
    DecisionFirst = 1,
}
