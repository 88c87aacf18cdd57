using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MetaLora.Repro.CodeIdentity;

/// <summary>
/// Everything a verb can execute, found from its entry method in the tool's IL. It follows calls,
/// object creation and delegates (ldftn), field accesses (which run static constructors), type
/// tokens and generic arguments. Virtual dispatch is covered from the receiving side: a type that
/// is created, boxed, used as a generic argument or named by a token contributes all its virtual
/// methods and implementations of its interfaces' static members, so a call through an interface
/// or a base class (ours or the framework's, like a comparer or a JSON converter) reaches every
/// override that could answer it. Types handed to reflection (generic arguments, <c>typeof</c>)
/// also contribute their constructors and property accessors, as serializers call them.
/// The stage's parameters prune alternatives (<see cref="StageVariantAttribute"/>).
/// </summary>
internal sealed class Reachability
{
    private readonly CodeBase _code;
    private readonly IReadOnlyDictionary<string, string> _selection;
    private readonly HashSet<MethodDefinition> _methods = [];
    private readonly HashSet<TypeDefinition> _types = [];
    private readonly HashSet<TypeDefinition> _created = [];
    private readonly HashSet<TypeDefinition> _reflected = [];
    private readonly SortedSet<string> _externalAssemblies = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _strings = new(StringComparer.Ordinal);
    private readonly Queue<MethodDefinition> _pending = new();
    private readonly Dictionary<TypeDefinition, (string Parameter, string Value)?> _variants = [];
    private readonly HashSet<string> _calledSlots = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _consulted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<MethodDefinition>> _waiting = new(StringComparer.Ordinal);

    public Reachability(CodeBase code, IReadOnlyDictionary<string, string> selection)
    {
        _code = code;
        _selection = selection;
    }

    /// <summary>Methods whose bodies may run.</summary>
    public IReadOnlyCollection<MethodDefinition> Methods => _methods;

    /// <summary>Types whose members are used (their layout, attributes and static constructors count).</summary>
    public IReadOnlyCollection<TypeDefinition> Types => _types;

    /// <summary>Assemblies outside the tool that the code calls into.</summary>
    public IReadOnlyCollection<string> ExternalAssemblies => _externalAssemblies;

    /// <summary>
    /// The stage parameters the walk looked at (those naming alternatives it met): stages whose values
    /// of these agree reach the same code, whatever their other parameters.
    /// </summary>
    public IReadOnlyCollection<string> ConsultedParameters => _consulted;

    /// <summary>String literals the code loads (embedded resources are looked up by name).</summary>
    public IReadOnlyCollection<string> Strings => _strings;

    public Reachability From(MethodDefinition entry)
    {
        Reach(entry);
        while (_pending.TryDequeue(out var method)) Scan(method);
        return this;
    }

    private void Reach(MethodDefinition method)
    {
        if (!_methods.Add(method)) return;
        Touch(method.DeclaringType);
        _pending.Enqueue(method);
    }

    private void Scan(MethodDefinition method)
    {
        var from = method.DeclaringType;
        UseSignature(from, method);
        foreach (var attribute in Attributes(method)) UseAttribute(from, attribute);
        if (!method.HasBody) return;
        foreach (var variable in method.Body.Variables)
            // A struct local exists without being created by newobj.
            Use(from, variable.VariableType, create: variable.VariableType.IsValueType);
        foreach (var handler in method.Body.ExceptionHandlers)
            if (handler.CatchType is not null) Use(from, handler.CatchType, create: true);
        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case MethodReference callee:
                    UseMethod(from, callee, instruction.OpCode.Code == Code.Newobj);
                    break;
                case FieldReference field:
                    Use(from, field.DeclaringType, create: false);
                    Use(from, field.FieldType, create: false);
                    if (_code.IsOwn(field.DeclaringType) && field.Resolve() is { } fieldDef && Follow(from, fieldDef.DeclaringType))
                        Touch(fieldDef.DeclaringType);
                    break;
                case TypeReference type:
                    // newarr, box, initobj, ldtoken, castclass, constrained. ...: treat as live.
                    Use(from, type, create: true, reflected: instruction.OpCode.Code == Code.Ldtoken);
                    break;
                case CallSite site:
                    Use(from, site.ReturnType, create: false);
                    foreach (var p in site.Parameters) Use(from, p.ParameterType, create: false);
                    break;
                case string literal:
                    _strings.Add(literal);
                    break;
            }
        }
    }

    private void UseMethod(TypeDefinition from, MethodReference callee, bool creates)
    {
        Use(from, callee.DeclaringType, create: false);
        if (callee is GenericInstanceMethod generic)
            foreach (var argument in generic.GenericArguments) Use(from, argument, create: true, reflected: true);
        Use(from, callee.ReturnType, create: false);
        foreach (var p in callee.Parameters) Use(from, p.ParameterType, create: false);
        if (!_code.IsOwn(callee.DeclaringType)) return;
        var definition = callee.Resolve()
                         ?? throw new InvalidOperationException($"cannot resolve {callee.FullName} in the tool's own assemblies");
        if (!Follow(from, definition.DeclaringType)) return;
        Reach(definition);
        Called(definition);
        if (creates) Create(definition.DeclaringType, reflected: false);
        // A delegate's Invoke runs its target, which ldftn reached; nothing else to do for calls.
    }

    private void UseSignature(TypeDefinition from, MethodDefinition method)
    {
        Use(from, method.ReturnType, create: false);
        foreach (var p in method.Parameters)
        {
            Use(from, p.ParameterType, create: false);
            foreach (var attribute in p.CustomAttributes) UseAttribute(from, attribute);
        }
    }

    /// <summary>Notes a type the code mentions; generic arguments inside it are handed to generic code.</summary>
    private void Use(TypeDefinition from, TypeReference type, bool create, bool reflected = false)
    {
        switch (type)
        {
            case GenericInstanceType instance:
                Use(from, instance.ElementType, create, reflected);
                foreach (var argument in instance.GenericArguments) Use(from, argument, create: true, reflected: true);
                return;
            case TypeSpecification spec: // arrays, by-ref, pointers, modifiers
                Use(from, spec.ElementType, create, reflected);
                return;
            case GenericParameter:
                return;
        }
        if (!_code.IsOwn(type))
        {
            if (CodeBase.AssemblyOf(type) is { } assembly) _externalAssemblies.Add(assembly);
            return;
        }
        var definition = type.Resolve() ?? throw new InvalidOperationException($"cannot resolve {type.FullName} in the tool's own assemblies");
        if (!Follow(from, definition)) return;
        Touch(definition);
        if (create) Create(definition, reflected);
    }

    /// <summary>A type whose members are used: its static constructor may run and its attributes count.</summary>
    private void Touch(TypeDefinition type)
    {
        if (!_types.Add(type)) return;
        foreach (var attribute in type.CustomAttributes) UseAttribute(type, attribute);
        if (type.BaseType is { } baseType) Use(type, baseType, create: false);
        foreach (var implemented in type.Interfaces) Use(type, implemented.InterfaceType, create: false);
        if (type.DeclaringType is { } outer) Touch(outer);
        foreach (var field in type.Fields)
            foreach (var attribute in field.CustomAttributes) UseAttribute(type, attribute);
        if (type.Methods.FirstOrDefault(m => m.IsConstructor && m.IsStatic) is { } cctor) Reach(cctor);
    }

    /// <summary>
    /// A type with live instances (or a struct in use). Its methods that answer a virtual or interface
    /// call are reached when that call is: at once for slots the framework declares (the framework
    /// calls ToString, Dispose, comparers, forward() of a torch module), and for slots the tool
    /// declares when the tool's code calls the slot somewhere (so a vector type's Log is reached only
    /// if some reachable code calls IVector.Log).
    /// </summary>
    private void Create(TypeDefinition type, bool reflected)
    {
        var firstTime = _created.Add(type);
        var newlyReflected = reflected && _reflected.Add(type);
        if (!firstTime && !newlyReflected) return;
        Touch(type);
        if (firstTime)
            foreach (var method in type.Methods)
            {
                if (method.IsConstructor) continue;
                var slots = Slots(type, method);
                if (slots is null) Reach(method);
                else
                    foreach (var slot in slots)
                    {
                        if (_calledSlots.Contains(slot)) { Reach(method); break; }
                        if (!_waiting.TryGetValue(slot, out var list)) _waiting[slot] = list = [];
                        list.Add(method);
                    }
            }
        if (newlyReflected)
        {
            foreach (var method in type.Methods)
                if (method.IsConstructor && !method.IsStatic) Reach(method);
            foreach (var property in type.Properties)
            {
                foreach (var attribute in property.CustomAttributes) UseAttribute(type, attribute);
                if (property.GetMethod is { } getter) Reach(getter);
                if (property.SetMethod is { } setter) Reach(setter);
                Use(type, property.PropertyType, create: true, reflected: true);
            }
        }
        if (type.BaseType is { } baseType && _code.IsOwn(baseType) && baseType.Resolve() is { } baseDefinition)
            Create(baseDefinition, reflected);
    }

    /// <summary>
    /// The tool-declared slots through which a call can reach <paramref name="method"/> of a created
    /// type; null when the framework may call it (reach it now); empty when only a direct call can.
    /// </summary>
    private List<string>? Slots(TypeDefinition type, MethodDefinition method)
    {
        var slots = new List<string>();
        foreach (var explicitSlot in method.Overrides)
        {
            if (!_code.IsOwn(explicitSlot.DeclaringType)) return null;
            slots.Add(SlotKey(explicitSlot.DeclaringType.Resolve(), explicitSlot.Name, explicitSlot.Parameters.Count));
        }
        // Interfaces declare instance slots for virtual methods and static ones for static methods.
        for (var t = type; t is not null; t = t.BaseType is { } b && _code.IsOwn(b) ? b.Resolve() : null)
            foreach (var implemented in t.Interfaces)
            {
                if (!_code.IsOwn(implemented.InterfaceType))
                {
                    if (ExternalInterfaceHas(implemented.InterfaceType, method)) return null;
                    continue;
                }
                var definition = implemented.InterfaceType.Resolve();
                if (definition.Methods.Any(m => m.IsStatic == method.IsStatic && m.Name == method.Name && m.Parameters.Count == method.Parameters.Count))
                    slots.Add(SlotKey(definition, method.Name, method.Parameters.Count));
            }
        if (method.IsVirtual)
        {
            if (method.IsNewSlot) slots.Add(SlotKey(type, method.Name, method.Parameters.Count));
            else
            {
                // An override: every base class up the chain that declares the method is a slot; a base
                // from outside the tool (object, a torch module) calls it itself.
                for (var b = type.BaseType; b is not null;)
                {
                    if (!_code.IsOwn(b)) return null;
                    var baseDefinition = b.Resolve();
                    if (baseDefinition.Methods.Any(m => m.IsVirtual && m.Name == method.Name && m.Parameters.Count == method.Parameters.Count))
                        slots.Add(SlotKey(baseDefinition, method.Name, method.Parameters.Count));
                    b = baseDefinition.BaseType;
                }
            }
        }
        return slots.Count == 0 && (method.IsVirtual || method.HasOverrides) ? null : slots;
    }

    /// <summary>Whether an interface from outside the tool declares a member that <paramref name="method"/> can implement (unknown counts as yes).</summary>
    private static bool ExternalInterfaceHas(TypeReference implemented, MethodDefinition method)
    {
        if (!method.IsVirtual && !method.IsStatic) return false;
        try
        {
            var definition = implemented.Resolve();
            return definition is null || definition.Methods.Any(m => m.Name == method.Name || method.Name.EndsWith("." + m.Name, StringComparison.Ordinal));
        }
        catch (AssemblyResolutionException)
        {
            return true;
        }
    }

    private static string SlotKey(TypeDefinition declaring, string name, int parameters) => $"{declaring.FullName}::{name}/{parameters}";

    /// <summary>A call to a virtual, abstract or interface member: implementations waiting on it become reachable.</summary>
    private void Called(MethodDefinition slot)
    {
        if (!slot.IsVirtual && !slot.IsAbstract && !(slot.IsStatic && slot.DeclaringType.IsInterface)) return;
        var key = SlotKey(slot.DeclaringType, slot.Name, slot.Parameters.Count);
        if (!_calledSlots.Add(key)) return;
        if (_waiting.Remove(key, out var implementations))
            foreach (var implementation in implementations) Reach(implementation);
    }

    private void UseAttribute(TypeDefinition from, CustomAttribute attribute)
    {
        UseMethod(from, attribute.Constructor, creates: true);
        // typeof(...) arguments, e.g. [JsonConverter(typeof(X))], are types the framework will create.
        foreach (var argument in attribute.ConstructorArguments.Concat(attribute.Properties.Select(p => p.Argument)).Concat(attribute.Fields.Select(f => f.Argument)))
            if (argument.Value is TypeReference type) Use(from, type, create: true, reflected: true);
    }

    /// <summary>
    /// Whether code in <paramref name="from"/> may enter <paramref name="target"/>: not when the target is
    /// an alternative of a stage parameter the stage fixes to another value, unless the caller is itself
    /// an alternative of that parameter (alternatives may share code).
    /// </summary>
    private bool Follow(TypeDefinition from, TypeDefinition target)
    {
        if (VariantOf(target) is not { } variant) return true;
        _consulted.Add(variant.Parameter);
        // A parameter the stage does not name selects its default alternative, if one is marked.
        if (!_selection.TryGetValue(variant.Parameter, out var chosen) && !_code.VariantDefaults.TryGetValue(variant.Parameter, out chosen)) return true;
        if (string.Equals(chosen, variant.Value, StringComparison.Ordinal)) return true;
        return VariantOf(from) is { } caller && caller.Parameter == variant.Parameter;
    }

    private (string Parameter, string Value)? VariantOf(TypeDefinition type)
    {
        var outer = type;
        while (outer.DeclaringType is not null) outer = outer.DeclaringType;
        if (_variants.TryGetValue(outer, out var known)) return known;
        (string, string)? found = null;
        foreach (var attribute in outer.CustomAttributes)
            if (attribute.AttributeType.FullName == typeof(StageVariantAttribute).FullName)
                found = ((string)attribute.ConstructorArguments[0].Value, (string)attribute.ConstructorArguments[1].Value);
        _variants[outer] = found;
        return found;
    }

    private static IEnumerable<CustomAttribute> Attributes(MethodDefinition method) =>
        method.CustomAttributes.Concat(method.MethodReturnType.CustomAttributes);
}
