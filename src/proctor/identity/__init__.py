"""Identity: is the face in one image the person in another?

``faces`` finds the primary face, ``embedders`` turns it into a descriptor, ``verify`` compares
two descriptors at the product's threshold. Used by ``proctor identity`` and, later, by the live
checks of a session.
"""
