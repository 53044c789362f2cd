// Multi-region Azure Kubernetes Service: regional networks and clusters with planned, non-overlapping address space, VNet peering that says what it connects, and cross-cluster pod networking only where AKS supports it.
package aksmesh
